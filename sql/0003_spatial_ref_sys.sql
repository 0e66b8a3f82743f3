-- Catalogue of spatial reference systems known to the service (NGW's "srs" table).
-- id is also the PostGIS srid: EPSG codes for registered EPSG systems (4326, 3857 seeded,
-- others registered on first use), 990001..998999 for custom ones, whose definitions are
-- copied into PostGIS's own spatial_ref_sys so that ST_Transform(geom, id) works.
CREATE SEQUENCE srs_id_seq MINVALUE 990001 MAXVALUE 998999 START 990001;

CREATE TABLE srs (
    id            integer PRIMARY KEY DEFAULT nextval('srs_id_seq'),
    display_name  text NOT NULL CHECK (display_name <> ''),
    auth_name     text,
    auth_srid     integer,
    wkt           text NOT NULL,
    catalog_id    integer,
    system        boolean NOT NULL DEFAULT false,
    geographic    boolean NOT NULL,
    CONSTRAINT srs_id_check CHECK (id > 0 AND id <= 998999),
    CONSTRAINT srs_auth_check CHECK ((auth_name IS NULL) = (auth_srid IS NULL)),
    CONSTRAINT srs_auth_unique UNIQUE (auth_name, auth_srid),
    CONSTRAINT srs_display_name_key UNIQUE (display_name)
);
ALTER SEQUENCE srs_id_seq OWNED BY srs.id;

INSERT INTO srs (id, display_name, auth_name, auth_srid, wkt, system, geographic)
SELECT srid,
       CASE srid WHEN 4326 THEN 'WGS 84 / Lon-lat (EPSG:4326)'
                 ELSE 'WGS 84 / Pseudo-Mercator (EPSG:3857)' END,
       'EPSG', srid, srtext, true, srid = 4326
FROM spatial_ref_sys
WHERE srid IN (4326, 3857) AND auth_name = 'EPSG' AND auth_srid = srid;

-- Bumped whenever a custom SRS definition changes or goes away. PostGIS caches PROJ objects
-- per backend by srid, so pooled connections that used the old definition must be replaced
-- (see featuresvc.spatial_ref_sys.service.install_postgis_cache_guard).
CREATE SEQUENCE srs_definition_generation;
