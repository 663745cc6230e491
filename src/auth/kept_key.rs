//! The key that signs access tokens in embedded demo mode when `MATHSHUB_JWT_SECRET` is not
//! set: made once, from the operating system's random source, and kept in the data folder
//! (readable by its owner only, as the database password is), so restarting the server does
//! not sign everybody out. Deleting the file makes a new key on the next start, which does.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::auth::secrets::random_token;
use crate::auth::tokens::MIN_SECRET_BYTES;
use crate::config::Secret;

/// The key's file in the data folder.
pub const FILE_NAME: &str = "jwt-secret";

/// Random bytes in a new key (kept as base64url text, whose bytes are the key).
const KEY_BYTES: usize = 48;

#[derive(Debug, thiserror::Error)]
pub enum KeptKeyError {
    #[error("could not keep the token signing key in {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error(
        "{} holds a token signing key shorter than {MIN_SECRET_BYTES} bytes; delete it to have a new one \
         made on the next start (which signs everybody out), or set MATHSHUB_JWT_SECRET",
        path.display()
    )]
    TooShort { path: PathBuf },
}

/// The key kept in `data_dir`, made now if there is none.
pub fn kept_in(data_dir: &Path) -> Result<Secret, KeptKeyError> {
    let path = data_dir.join(FILE_NAME);
    let io_error = |source| KeptKeyError::Io {
        path: path.clone(),
        source,
    };
    let key = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            fs::create_dir_all(data_dir).map_err(io_error)?;
            create(&path).map_err(io_error)?
        }
        Err(error) => return Err(io_error(error)),
    };
    let key = key.trim();
    if key.len() < MIN_SECRET_BYTES {
        return Err(KeptKeyError::TooShort { path });
    }
    Ok(Secret::new(key))
}

/// Writes a new key to a file of this process's own, then links it into place: the key file
/// appears whole or not at all, and when two first starts race, both end up with the one
/// that got there first.
fn create(path: &Path) -> io::Result<String> {
    let pending = path.with_extension(format!("new-{}", std::process::id()));
    let key = random_token(KEY_BYTES);
    // A leftover from a killed run may have other permissions; mode() applies to new files only.
    let _ = fs::remove_file(&pending);
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&pending)
        .and_then(|mut file| {
            file.write_all(format!("{key}\n").as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| fs::hard_link(&pending, path));
    let _ = fs::remove_file(&pending);
    match written {
        Ok(()) => {
            log::info!("made a token signing key and kept it in {}", path.display());
            Ok(key)
        }
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => fs::read_to_string(path),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn folder(tag: &str) -> PathBuf {
        std::env::temp_dir().join(format!(
            "mathshub-kept-key-{tag}-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ))
    }

    #[test]
    fn kept_in_makes_a_private_key_once_and_returns_it_ever_after() {
        let data_dir = folder("once");
        let made = kept_in(&data_dir).expect("make the key");
        let again = kept_in(&data_dir).expect("read the key");
        let mode = fs::metadata(data_dir.join(FILE_NAME))
            .expect("the key file")
            .permissions()
            .mode();
        let leftovers = fs::read_dir(&data_dir).expect("list").count();
        fs::remove_dir_all(&data_dir).expect("clean up");
        assert_eq!(made, again);
        assert_eq!(made.expose().len(), 64, "48 random bytes in base64url");
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(leftovers, 1, "only the key file");
    }

    #[test]
    fn kept_in_refuses_a_key_file_holding_too_short_a_key() {
        let data_dir = folder("short");
        fs::create_dir_all(&data_dir).expect("create folder");
        fs::write(data_dir.join(FILE_NAME), "short\n").expect("write key");
        let refused = kept_in(&data_dir);
        fs::remove_dir_all(&data_dir).expect("clean up");
        let message = refused.expect_err("a short key").to_string();
        assert!(
            message.contains("delete it") && message.contains("MATHSHUB_JWT_SECRET"),
            "{message}"
        );
    }
}
