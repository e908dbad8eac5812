"""HTTP routes of the engine, one module per resource of the protocol."""
