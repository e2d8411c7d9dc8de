"""marshmallow schemas: the API's input and output shapes, one module per resource.

An output schema is the one description of its shape: it dumps the answers (the hottest ones
through ``fast_dump``, compiled from the same fields) and makes the OpenAPI document."""
