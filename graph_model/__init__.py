"""The property-graph schema as code (labels, relationship types, properties, constraints)."""

from graph_model.connection import open_async_driver, open_driver
from graph_model.constraints import apply_schema, schema_statements

__all__ = ["apply_schema", "open_async_driver", "open_driver", "schema_statements"]
