"""Routes for this part of the API are added by its issue."""
