//! Finding and reading the schema file, as `include_str!` finds its own:
//! relative to the directory of the source file that contains the call, and
//! where the compiler cannot name that file or nothing is there, relative to
//! the including crate's directory (`CARGO_MANIFEST_DIR`). Absolute paths
//! are refused, so a crate builds on every machine.
//!
//! Messages name paths relative to the crate (or to the package that holds
//! the file), never absolute paths of the build machine.

use std::path::{Component, Path, PathBuf};

/// A schema file found and read.
#[derive(Debug)]
pub struct Located {
    /// Its absolute path (only for `include_bytes!` in the expansion, never
    /// shown in a message).
    pub absolute: PathBuf,
    /// Its text.
    pub text: String,
}

/// Finds and reads `written`. `source_file` is the file holding the call, as
/// the compiler names it (relative paths are relative to the compiler's
/// working directory); `manifest_dir` the including crate's directory.
/// The error is the message to show.
pub fn locate(
    written: &str,
    source_file: Option<&Path>,
    manifest_dir: Option<&Path>,
) -> Result<Located, String> {
    if written.trim().is_empty() {
        return Err("the schema path is empty; name the schema file, e.g. \"schema.yml\"".into());
    }
    let path = Path::new(written);
    if path.is_absolute() || path.has_root() {
        return Err(format!(
            "absolute schema path `{written}` refused: write it relative to the source file that \
             includes it (or to the crate's directory), so the crate builds on every machine"
        ));
    }
    let cwd = std::env::current_dir().ok();
    let manifest_dir = manifest_dir.map(|dir| absolute(dir, cwd.as_deref()));
    let mut candidates: Vec<(PathBuf, &str)> = Vec::new();
    if let Some(dir) = source_file.and_then(Path::parent) {
        let dir = absolute(dir, cwd.as_deref());
        candidates.push((
            normalize(&dir.join(path)),
            "beside the source file that includes it",
        ));
    }
    if let Some(dir) = &manifest_dir {
        let candidate = normalize(&dir.join(path));
        if candidates.iter().all(|(c, _)| *c != candidate) {
            candidates.push((candidate, "in the crate's directory"));
        }
    }
    if candidates.is_empty() {
        return Err(format!(
            "cannot resolve schema path `{written}`: the compiler names no source file and \
             CARGO_MANIFEST_DIR is not set"
        ));
    }
    for (candidate, _) in &candidates {
        if candidate.is_file() {
            return match std::fs::read_to_string(candidate) {
                Ok(text) => Ok(Located {
                    absolute: candidate.clone(),
                    text,
                }),
                Err(error) => Err(format!(
                    "cannot read schema file `{}`: {error}",
                    shown(candidate, manifest_dir.as_deref())
                )),
            };
        }
    }
    let tried = candidates
        .iter()
        .map(|(candidate, how)| format!("`{}` ({how})", shown(candidate, manifest_dir.as_deref())))
        .collect::<Vec<_>>()
        .join(" and ");
    Err(format!(
        "schema file `{written}` not found; looked for {tried}"
    ))
}

fn absolute(path: &Path, cwd: Option<&Path>) -> PathBuf {
    match cwd {
        Some(cwd) if path.is_relative() => cwd.join(path),
        _ => path.to_path_buf(),
    }
}

/// `path` without `.` components and with `dir/..` folded (lexically).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !matches!(out.components().next_back(), Some(Component::Normal(_))) || !out.pop()
                {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` as a message shows it: relative to the crate's directory where it
/// is inside it, else relative to the nearest directory above it holding a
/// `Cargo.toml` (its package), else its file name alone.
pub fn shown(path: &Path, manifest_dir: Option<&Path>) -> String {
    if let Some(relative) = manifest_dir.and_then(|dir| path.strip_prefix(dir).ok()) {
        return relative.display().to_string();
    }
    let mut dir = path.parent();
    while let Some(current) = dir {
        if current.join("Cargo.toml").is_file()
            && let Ok(relative) = path.strip_prefix(current)
        {
            return relative.display().to_string();
        }
        dir = current.parent();
    }
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("goesgen-locate-{}-{name}", std::process::id()));
        std::fs::create_dir_all(dir.join("src/nested")).unwrap();
        std::fs::write(dir.join("Cargo.toml"), "[package]\n").unwrap();
        dir
    }

    #[test]
    fn prefers_the_file_beside_the_source() {
        let dir = scratch("beside");
        std::fs::write(dir.join("src/nested/s.yml"), "beside").unwrap();
        std::fs::write(dir.join("s.yml"), "crate").unwrap();
        let found = locate("s.yml", Some(&dir.join("src/nested/m.rs")), Some(&dir)).unwrap();
        assert_eq!(found.text, "beside");
        let found = locate(
            "../../s.yml",
            Some(&dir.join("src/nested/m.rs")),
            Some(&dir),
        )
        .unwrap();
        assert_eq!(found.text, "crate");
        assert_eq!(found.absolute, dir.join("s.yml"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn falls_back_to_the_crate_directory() {
        let dir = scratch("fallback");
        std::fs::write(dir.join("s.yml"), "crate").unwrap();
        assert_eq!(
            locate("s.yml", Some(&dir.join("src/lib.rs")), Some(&dir))
                .unwrap()
                .text,
            "crate"
        );
        assert_eq!(locate("s.yml", None, Some(&dir)).unwrap().text, "crate");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn missing_file_names_relative_paths_tried() {
        let dir = scratch("missing");
        let error = locate("none.yml", Some(&dir.join("src/lib.rs")), Some(&dir)).unwrap_err();
        assert_eq!(
            error,
            "schema file `none.yml` not found; looked for `src/none.yml` (beside the source file \
             that includes it) and `none.yml` (in the crate's directory)"
        );
        assert!(!error.contains(&*dir.to_string_lossy()));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn refuses_absolute_and_empty_paths() {
        let absolute = std::env::temp_dir().join("s.yml");
        let error = locate(&absolute.to_string_lossy(), None, None).unwrap_err();
        assert!(error.starts_with("absolute schema path"), "{error}");
        assert!(locate("", None, None).unwrap_err().contains("empty"));
    }

    #[test]
    fn outside_paths_are_shown_relative_to_their_package() {
        let dir = scratch("shown");
        let elsewhere = std::env::temp_dir().join("goesgen-no-such-crate");
        assert_eq!(
            shown(&dir.join("src/nested/x.yml"), Some(&elsewhere)),
            "src/nested/x.yml"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
