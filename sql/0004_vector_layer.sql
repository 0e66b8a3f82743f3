-- Vector layers: metadata here, features in one table per layer in schema vector_layer
-- (vector_layer.layer_<resource id>, columns fld_<field id>; built by featuresvc/vector_layer).
CREATE SCHEMA IF NOT EXISTS vector_layer;

CREATE TABLE vector_layer (
    resource_id     integer PRIMARY KEY REFERENCES resource (id) ON DELETE CASCADE,
    -- SRS id == PostGIS srid (featuresvc/spatial_ref_sys); NULL for geometry_type NONE.
    srs_id          integer REFERENCES srs (id),
    geometry_type   text NOT NULL CHECK (geometry_type IN (
        'POINT', 'LINESTRING', 'POLYGON', 'MULTIPOINT', 'MULTILINESTRING', 'MULTIPOLYGON',
        'POINTZ', 'LINESTRINGZ', 'POLYGONZ', 'MULTIPOINTZ', 'MULTILINESTRINGZ', 'MULTIPOLYGONZ',
        'NONE')),
    CONSTRAINT vector_layer_srs_check CHECK ((geometry_type = 'NONE') = (srs_id IS NULL))
);
CREATE INDEX vector_layer_srs_idx ON vector_layer (srs_id);

-- Fields of feature layers. id is the stable, system-wide field id of the API (spec 2.1).
-- The unique constraints are deferred so one PUT can swap or rotate names.
CREATE TABLE layer_field (
    id               serial PRIMARY KEY,
    resource_id      integer NOT NULL REFERENCES resource (id) ON DELETE CASCADE,
    position         integer NOT NULL,
    keyname          text NOT NULL CHECK (keyname <> ''),
    display_name     text NOT NULL CHECK (display_name <> ''),
    datatype         text NOT NULL CHECK (datatype IN (
        'INTEGER', 'BIGINT', 'REAL', 'STRING', 'DATE', 'TIME', 'DATETIME', 'BOOLEAN')),
    label_field      boolean NOT NULL DEFAULT false,
    grid_visibility  boolean NOT NULL DEFAULT true,
    text_search      boolean NOT NULL DEFAULT true,
    required         boolean NOT NULL DEFAULT false,
    lookup_table_id  integer REFERENCES resource (id) ON DELETE SET NULL,
    CONSTRAINT layer_field_keyname_key UNIQUE (resource_id, keyname)
        DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT layer_field_display_name_key UNIQUE (resource_id, display_name)
        DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX layer_field_lookup_table_idx ON layer_field (lookup_table_id);
