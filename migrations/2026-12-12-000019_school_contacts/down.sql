DROP TRIGGER users_school_contacts_lapse ON users;
DROP FUNCTION school_contacts_lapse();
DROP TABLE school_contacts;
