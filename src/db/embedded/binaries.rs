//! Locating the PostgreSQL server programs installed on this machine.

use std::env;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::EmbeddedError;

/// Where Debian and Ubuntu install each PostgreSQL major version side by side.
const DEBIAN_VERSIONS_ROOT: &str = "/usr/lib/postgresql";

/// The server programs, all taken from one folder so that initdb and the
/// server always come from the same PostgreSQL version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Binaries {
    pub initdb: PathBuf,
    pub pg_ctl: PathBuf,
}

/// Finds the programs on PATH, then in `pg_config --bindir`, then in Debian's
/// per-version folders (newest first).
pub(super) fn locate() -> Result<Binaries, EmbeddedError> {
    let mut candidates: Vec<PathBuf> = env::var_os("PATH")
        .map(|path| env::split_paths(&path).collect())
        .unwrap_or_default();
    candidates.extend(pg_config_bindir());
    candidates.extend(versioned_bin_dirs(Path::new(DEBIAN_VERSIONS_ROOT)));
    first_complete(&candidates).ok_or(EmbeddedError::BinariesNotFound {
        searched: candidates,
    })
}

/// The first folder holding all of initdb, pg_ctl and postgres.
pub(super) fn first_complete(candidates: &[PathBuf]) -> Option<Binaries> {
    candidates
        .iter()
        // A relative PATH entry would change meaning once children run in "/".
        .filter(|dir| dir.is_absolute())
        .find(|dir| {
            ["initdb", "pg_ctl", "postgres"]
                .iter()
                .all(|program| is_executable(&dir.join(program)))
        })
        .map(|dir| Binaries {
            initdb: dir.join("initdb"),
            pg_ctl: dir.join("pg_ctl"),
        })
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// pg_config is often on PATH (from the client package) when the server
/// programs are not, and it knows where the server programs live.
fn pg_config_bindir() -> Option<PathBuf> {
    let output = Command::new("pg_config")
        .arg("--bindir")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let dir = String::from_utf8(output.stdout).ok()?;
    let dir = dir.trim();
    (!dir.is_empty()).then(|| PathBuf::from(dir))
}

/// `<root>/<version>/bin` for every version folder, newest version first.
pub(super) fn versioned_bin_dirs(root: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(root) else {
        return Vec::new();
    };
    let names: Vec<_> = entries
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name())
        .collect();
    sort_versions_newest_first(names.iter().map(|name| name.as_os_str()))
        .into_iter()
        .map(|name| root.join(name).join("bin"))
        .collect()
}

/// Keeps only names that look like versions ("16", "9.6") and orders them
/// numerically, newest first, so that "16" beats "9.6" although it sorts
/// lower as text.
pub(super) fn sort_versions_newest_first<'a>(
    names: impl Iterator<Item = &'a OsStr>,
) -> Vec<&'a OsStr> {
    let mut versions: Vec<(Vec<u32>, &OsStr)> = names
        .filter_map(|name| Some((parse_version(name.to_str()?)?, name)))
        .collect();
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    versions.into_iter().map(|(_, name)| name).collect()
}

fn parse_version(name: &str) -> Option<Vec<u32>> {
    name.split('.').map(|part| part.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    #[test]
    fn sort_puts_newest_first_when_versions_have_different_digit_counts() {
        let names: Vec<OsString> = ["9.6", "16", "15", "10", "9.5", "17"]
            .iter()
            .map(OsString::from)
            .collect();
        let sorted = sort_versions_newest_first(names.iter().map(|n| n.as_os_str()));
        assert_eq!(sorted, ["17", "16", "15", "10", "9.6", "9.5"]);
    }

    #[test]
    fn sort_skips_names_when_they_are_not_versions() {
        let names: Vec<OsString> = ["15", "lib", "15.bak", "", "14"]
            .iter()
            .map(OsString::from)
            .collect();
        let sorted = sort_versions_newest_first(names.iter().map(|n| n.as_os_str()));
        assert_eq!(sorted, ["15", "14"]);
    }

    #[test]
    fn versioned_bin_dirs_lists_newest_first_when_root_has_version_folders() {
        let root =
            std::env::temp_dir().join(format!("mathshub-binaries-test-{}", std::process::id()));
        for version in ["9", "16", "15"] {
            fs::create_dir_all(root.join(version).join("bin")).expect("create version folder");
        }
        let dirs = versioned_bin_dirs(&root);
        fs::remove_dir_all(&root).expect("clean up");
        assert_eq!(dirs, ["16", "15", "9"].map(|v| root.join(v).join("bin")));
    }

    #[test]
    fn first_complete_returns_none_when_no_folder_has_all_programs() {
        assert_eq!(
            first_complete(&[PathBuf::from("/nonexistent-mathshub")]),
            None
        );
        assert_eq!(first_complete(&[]), None);
    }

    #[test]
    fn first_complete_skips_folders_when_a_program_is_missing() {
        let base =
            std::env::temp_dir().join(format!("mathshub-first-complete-{}", std::process::id()));
        let partial = base.join("partial");
        let full = base.join("full");
        for (dir, programs) in [
            (&partial, &["initdb", "pg_ctl"][..]),
            (&full, &["initdb", "pg_ctl", "postgres"][..]),
        ] {
            fs::create_dir_all(dir).expect("create folder");
            for program in programs {
                let path = dir.join(program);
                fs::write(&path, "#!/bin/sh\n").expect("write program");
                fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
            }
        }
        let found = first_complete(&[partial.clone(), full.clone()]);
        fs::remove_dir_all(&base).expect("clean up");
        assert_eq!(
            found,
            Some(Binaries {
                initdb: full.join("initdb"),
                pg_ctl: full.join("pg_ctl"),
            })
        );
    }
}
