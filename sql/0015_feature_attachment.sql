-- Feature attachments (featuresvc.feature_attachment, NGW feature_attachment): files attached
-- to features of feature layers. The bytes are a `fileobj`; a row is inserted only after its
-- file is durable, and rows go (with their files after the commit) when their feature, all
-- features or the layer are deleted. Ids come from one sequence, so they are unique within
-- every layer (NGW's contract) and across layers.
CREATE TABLE feature_attachment (
    id          bigserial PRIMARY KEY,
    resource_id integer NOT NULL REFERENCES resource (id) ON DELETE CASCADE,
    feature_id  integer NOT NULL,
    fileobj_id  bigint NOT NULL REFERENCES fileobj (id),
    name        text,
    keyname     text,
    mime_type   text NOT NULL,
    description text,
    size        bigint NOT NULL CHECK (size >= 0),
    file_meta   jsonb,
    -- Checked at the end of each statement, so one UPDATE may swap keynames.
    CONSTRAINT feature_attachment_keyname_key UNIQUE (resource_id, keyname)
        DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX feature_attachment_feature_idx ON feature_attachment (resource_id, feature_id);
CREATE INDEX feature_attachment_fileobj_idx ON feature_attachment (fileobj_id);

-- Rendered thumbnails (image?size=WxH[&crop=true]), stored files keyed by the source file and
-- the rendering parameters; they go together with their source file.
CREATE TABLE feature_attachment_thumbnail (
    fileobj_id       bigint NOT NULL REFERENCES fileobj (id) ON DELETE CASCADE,
    width            integer NOT NULL CHECK (width > 0),
    height           integer NOT NULL CHECK (height > 0),
    crop             boolean NOT NULL,
    thumb_fileobj_id bigint NOT NULL REFERENCES fileobj (id),
    PRIMARY KEY (fileobj_id, width, height, crop)
);
CREATE INDEX feature_attachment_thumbnail_thumb_idx
    ON feature_attachment_thumbnail (thumb_fileobj_id);
