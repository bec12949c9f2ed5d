//! The application's master key on the command line: `--master-key-file`,
//! else the environment variable [`MASTER_KEY_VAR`]; read with the
//! runtime's [`MasterKey`] (a file of 32 raw bytes, or 64 hexadecimal
//! digits or base64 in a file or the variable).

use goesgen_runtime::personal::MasterKey;

use crate::cli::MasterKeyArgs;
use crate::error::CliError;

/// The environment variable that holds the master key when no file is
/// given.
pub const MASTER_KEY_VAR: &str = "GOESGEN_MASTER_KEY";

impl MasterKeyArgs {
    /// The master key given, if any: the file's, else the environment
    /// variable's (when set and not blank); one that cannot be read is an
    /// error naming where it came from.
    pub fn load(&self) -> Result<Option<MasterKey>, CliError> {
        if let Some(path) = &self.master_key_file {
            return MasterKey::from_file(path)
                .map(Some)
                .map_err(|source| CliError::MasterKey {
                    origin: format!("--master-key-file {}", path.display()),
                    source,
                });
        }
        match std::env::var_os(MASTER_KEY_VAR) {
            Some(value) if !value.is_empty() => MasterKey::from_env(MASTER_KEY_VAR)
                .map(Some)
                .map_err(|source| CliError::MasterKey {
                    origin: MASTER_KEY_VAR.to_owned(),
                    source,
                }),
            _ => Ok(None),
        }
    }

    /// The master key, which the command needs.
    pub fn require(&self, why: &str) -> Result<MasterKey, CliError> {
        self.load()?.ok_or_else(|| {
            CliError::LogSpec(format!(
                "{why} needs the master key: --master-key-file FILE or {MASTER_KEY_VAR}"
            ))
        })
    }
}
