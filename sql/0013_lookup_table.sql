-- Lookup tables: items kept as a JSON array of [key, value] pairs in their stored order
-- (a jsonb object would lose the order).
CREATE TABLE lookup_table (
    resource_id integer PRIMARY KEY REFERENCES resource (id) ON DELETE CASCADE,
    sort        text NOT NULL DEFAULT 'KEY_ASC'
                CHECK (sort IN ('KEY_ASC', 'KEY_DESC', 'VALUE_ASC', 'VALUE_DESC', 'CUSTOM')),
    items       jsonb NOT NULL DEFAULT '[]'
);
