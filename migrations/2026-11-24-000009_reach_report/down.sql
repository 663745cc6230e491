DROP INDEX schools_open_district_idx;
DROP INDEX schools_open_la_idx;
DROP INDEX enrolments_signed_up_by_school_idx;
DROP INDEX enrolments_signed_up_idx;
DROP INDEX work_groups_year_hub_idx;
DROP TRIGGER attendance_count_present ON attendance;
DROP FUNCTION attendance_count_present();
ALTER TABLE enrolments DROP COLUMN present_count;
