"""The catalogue: shops, products and their variants, the category tree, search, what a page
of products shows (``product_views``) and what the storefront pages gather from them. Every
visibility rule (drafts, suspensions, archived variants) is decided here, so the API and the
pages hide the same things."""
