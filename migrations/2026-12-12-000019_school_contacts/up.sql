-- The people who speak for a school: participants whose account records them as the school's
-- maths lead or senior leader, once a national admin or a manager of the hub covering the
-- school confirmed it. One school per person, as an account has one school.
CREATE TABLE school_contacts (
    user_id      uuid PRIMARY KEY REFERENCES users (id),
    school_urn   text NOT NULL REFERENCES schools (urn),
    confirmed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX school_contacts_school_idx ON school_contacts (school_urn, confirmed_at, user_id);

-- A confirmation lapses the moment its account stops being what was confirmed: another school,
-- another role in it, no longer a participant, or disabled. Kept here so that every way an
-- account changes (its owner, an admin, erasure) keeps the contacts true.
CREATE FUNCTION school_contacts_lapse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.role <> 'participant'
       OR NEW.school_urn IS DISTINCT FROM OLD.school_urn
       OR NEW.role_in_school IS DISTINCT FROM OLD.role_in_school
       OR NEW.disabled_at IS NOT NULL THEN
        DELETE FROM school_contacts WHERE user_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER users_school_contacts_lapse
    AFTER UPDATE OF role, school_urn, role_in_school, disabled_at ON users
    FOR EACH ROW EXECUTE FUNCTION school_contacts_lapse();
