"""neo4j-admin is run one way: against the server's own folder, with the jars the server uses."""

from __future__ import annotations

from pathlib import Path

from riskgraph import neo4j_server
from riskgraph.settings import Settings


def test_admin_tool_points_at_the_servers_folder_and_jars(tmp_path: Path) -> None:
    settings = Settings(neo4j_data_dir=tmp_path / "home")
    admin = neo4j_server.admin_tool(settings, "3g")
    assert admin.entry_point == neo4j_server.ADMIN_ENTRY_POINT
    assert admin.classpath == str(neo4j_server.fetch_jars(settings) / "*")
    assert admin.env["NEO4J_HOME"] == str(settings.server_home) == str(admin.cwd)
    assert admin.env["NEO4J_CONF"] == str(settings.server_home / "conf")
    assert admin.java == settings.java_bin and admin.heap == "3g"
