"""Lookup tables (NGW ``lookup_table``): key → label dictionaries for form fields."""
