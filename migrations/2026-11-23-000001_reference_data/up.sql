-- National reference data: local authorities, Maths Hubs and the areas they cover,
-- Teaching School Hubs and their areas, schools.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE local_authorities (
    gss_code        text PRIMARY KEY CHECK (gss_code ~ '^E(06|07|08|09|10)[0-9]{6}$'),
    la_number       text UNIQUE CHECK (la_number ~ '^[0-9]{3}$'),
    name            text NOT NULL CHECK (btrim(name) <> ''),
    kind            text NOT NULL CHECK (kind IN ('county', 'district', 'unitary', 'metropolitan', 'london_borough')),
    parent_gss_code text REFERENCES local_authorities (gss_code),
    region          text NOT NULL CHECK (btrim(region) <> ''),
    retired_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- The GSS prefix names the kind of authority: keep the two in step.
    CONSTRAINT local_authorities_kind_matches_code CHECK (left(gss_code, 3) = CASE kind
        WHEN 'unitary' THEN 'E06'
        WHEN 'district' THEN 'E07'
        WHEN 'metropolitan' THEN 'E08'
        WHEN 'london_borough' THEN 'E09'
        WHEN 'county' THEN 'E10' END),
    -- Districts sit inside a county; nothing else has a parent.
    CONSTRAINT local_authorities_parent_iff_district CHECK ((kind = 'district') = (parent_gss_code IS NOT NULL))
);
CREATE INDEX local_authorities_parent_idx ON local_authorities (parent_gss_code);
CREATE INDEX local_authorities_region_idx ON local_authorities (region, gss_code);
CREATE INDEX local_authorities_kind_idx ON local_authorities (kind, gss_code);
CREATE INDEX local_authorities_name_trgm_idx ON local_authorities USING gin (name gin_trgm_ops);

CREATE TABLE schools (
    urn           text PRIMARY KEY CHECK (urn ~ '^[1-9][0-9]{5}$'),
    name          text NOT NULL CHECK (btrim(name) <> ''),
    phase         text NOT NULL CHECK (phase IN ('nursery', 'primary', 'middle_deemed_primary', 'secondary',
                                                 'middle_deemed_secondary', 'sixteen_plus', 'all_through',
                                                 'not_applicable')),
    la_code       text NOT NULL REFERENCES local_authorities (gss_code),
    district_code text REFERENCES local_authorities (gss_code),
    postcode      text,
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX schools_la_idx ON schools (la_code, urn);
CREATE INDEX schools_district_idx ON schools (district_code, urn);
CREATE INDEX schools_phase_idx ON schools (phase, urn);
CREATE INDEX schools_status_idx ON schools (status, urn);
CREATE INDEX schools_name_trgm_idx ON schools USING gin (name gin_trgm_ops);

CREATE TABLE hubs (
    id               uuid PRIMARY KEY,
    slug             text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name             text NOT NULL UNIQUE CHECK (btrim(name) <> ''),
    region           text NOT NULL CHECK (btrim(region) <> ''),
    lead_school_name text,
    lead_school_urn  text CHECK (lead_school_urn ~ '^[1-9][0-9]{5}$'),
    contact_email    text CHECK (contact_email LIKE '%_@_%'),
    website          text,
    retired_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hubs_region_idx ON hubs (region, slug);
CREATE INDEX hubs_name_trgm_idx ON hubs USING gin (name gin_trgm_ops);

-- Which hub covers which education authority, with history: a row is closed (covered_until)
-- rather than deleted when an authority moves to another hub.
CREATE TABLE hub_local_authorities (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hub_id        uuid NOT NULL REFERENCES hubs (id),
    la_code       text NOT NULL REFERENCES local_authorities (gss_code),
    covered_from  timestamptz NOT NULL DEFAULT now(),
    covered_until timestamptz,
    CHECK (covered_until IS NULL OR covered_until >= covered_from)
);
-- An authority is covered by at most one hub at a time.
CREATE UNIQUE INDEX hub_local_authorities_current_idx ON hub_local_authorities (la_code) WHERE covered_until IS NULL;
CREATE INDEX hub_local_authorities_hub_idx ON hub_local_authorities (hub_id) WHERE covered_until IS NULL;

-- Maths Hubs cover education authorities; districts reach their hub through their county.
CREATE FUNCTION hub_local_authorities_not_district() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT kind FROM local_authorities WHERE gss_code = NEW.la_code) = 'district' THEN
        RAISE EXCEPTION 'a Maths Hub covers education authorities, not district %', NEW.la_code
            USING ERRCODE = 'check_violation', CONSTRAINT = 'hub_local_authorities_not_district';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER hub_local_authorities_not_district
    BEFORE INSERT OR UPDATE OF la_code ON hub_local_authorities
    FOR EACH ROW EXECUTE FUNCTION hub_local_authorities_not_district();

CREATE TABLE strategic_partners (
    id         uuid PRIMARY KEY,
    hub_id     uuid NOT NULL REFERENCES hubs (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (btrim(name) <> ''),
    kind       text NOT NULL CHECK (kind IN ('school', 'college', 'teaching_school_alliance', 'research_school',
                                             'trust', 'university', 'partnership', 'other')),
    school_urn text REFERENCES schools (urn),
    website    text,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (hub_id, name)
);

CREATE TABLE teaching_school_hubs (
    id               uuid PRIMARY KEY,
    slug             text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name             text NOT NULL UNIQUE CHECK (btrim(name) <> ''),
    lead_school_name text,
    lead_school_urn  text CHECK (lead_school_urn ~ '^[1-9][0-9]{5}$'),
    website          text,
    retired_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX teaching_school_hubs_name_trgm_idx ON teaching_school_hubs USING gin (name gin_trgm_ops);

-- A Teaching School Hub's area: districts and unitary authorities.
CREATE TABLE teaching_school_hub_areas (
    teaching_school_hub_id uuid NOT NULL REFERENCES teaching_school_hubs (id) ON DELETE CASCADE,
    la_code                text NOT NULL REFERENCES local_authorities (gss_code),
    PRIMARY KEY (teaching_school_hub_id, la_code)
);
CREATE INDEX teaching_school_hub_areas_la_idx ON teaching_school_hub_areas (la_code);

-- Partnerships recorded explicitly; others are derived from overlapping areas.
CREATE TABLE hub_partnerships (
    hub_id                 uuid NOT NULL REFERENCES hubs (id) ON DELETE CASCADE,
    teaching_school_hub_id uuid NOT NULL REFERENCES teaching_school_hubs (id) ON DELETE CASCADE,
    created_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hub_id, teaching_school_hub_id)
);
CREATE INDEX hub_partnerships_tsh_idx ON hub_partnerships (teaching_school_hub_id);
