"""marshmallow schemas: the API's input and output shapes, one module per resource."""
