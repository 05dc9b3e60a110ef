"""The network page when the API caps a supernode (an API with a low supernode degree)."""

from __future__ import annotations

import pytest

from tests.explorer.conftest import serve_api
from tests.explorer.test_explorer_pages_investigate import texts

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def live_api(neo4j_settings, neo4j_driver, tmp_path_factory):
    # C:APPLICANT has 9 links in the fixture graph, C:OUTSIDER 4: with a cap of 6 the applicant is a supernode
    with serve_api(
        neo4j_settings, neo4j_driver, tmp_path_factory.mktemp("explorer-api-cap"), api_supernode_degree=6
    ) as api:
        yield api


def test_a_supernode_is_left_unexpanded_with_a_warning(app_as):
    at = app_as("examiner", "network", rg_entity="C:OUTSIDER")
    assert not at.exception
    at.slider(key="rg_hops").set_value(2).run()
    assert not at.exception
    sg = at.session_state["rg_net"]
    assert "C:APPLICANT" in sg.capped_nodes and sg.truncated
    assert "超级节点未展开 Supernodes not expanded (degree > 6): C:APPLICANT" in texts(at)
    ids = {n.id for n in sg.nodes}
    assert "C:APPLICANT" in ids and "C:SISTER" not in ids  # reached, but its neighbours were not added
