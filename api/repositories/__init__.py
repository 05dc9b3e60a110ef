"""Graph queries behind small repository classes (the API's "provider" layer, as yente's search
backend): routers never hold Cypher, and every query takes parameters only."""
