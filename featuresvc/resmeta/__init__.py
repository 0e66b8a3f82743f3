"""Resource metadata: typed key/value items on every resource (spec section 7)."""
