//! PLACEHOLDER being written by a helper.
use diesel_async::AsyncPgConnection;
pub async fn load(_conn: &mut AsyncPgConnection) -> Result<(), diesel::result::Error> {
    Ok(())
}
