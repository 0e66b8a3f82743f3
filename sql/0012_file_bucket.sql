-- File bucket resources (NGW plugin nextgisweb_file_bucket): named files in a resource.
CREATE TABLE file_bucket (
    resource_id integer PRIMARY KEY REFERENCES resource (id) ON DELETE CASCADE,
    tstamp      timestamp
);

CREATE TABLE file_bucket_file (
    resource_id integer NOT NULL REFERENCES file_bucket (resource_id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (name <> ''),
    fileobj_id  bigint NOT NULL REFERENCES fileobj (id),
    PRIMARY KEY (resource_id, name)
);
CREATE INDEX file_bucket_file_fileobj_idx ON file_bucket_file (fileobj_id);
