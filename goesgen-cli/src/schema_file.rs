//! Reading a schema file: its text, and its model or every error, named
//! by the path as the user gave it.

use std::path::{Path, PathBuf};

use goesgen_schema::{Schema, SchemaErrors};

use crate::error::CliError;

/// A schema file read from disk.
pub struct SchemaFile {
    /// The path as given (also the file name in messages).
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

impl SchemaFile {
    /// Reads `path`.
    pub fn read(path: &Path) -> Result<Self, CliError> {
        let text = std::fs::read_to_string(path).map_err(|source| CliError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(SchemaFile {
            path: path.to_path_buf(),
            text,
        })
    }

    /// The name messages use for it.
    pub fn name(&self) -> String {
        self.path.display().to_string()
    }

    /// Its model, or every error.
    pub fn parse(&self) -> Result<Schema, SchemaErrors> {
        goesgen_schema::parse(&self.text, &self.name())
    }

    /// Its model; an invalid schema is an error that stops the command.
    pub fn valid(&self) -> Result<Schema, CliError> {
        self.parse().map_err(|errors| CliError::InvalidSchema {
            path: self.path.clone(),
            errors,
        })
    }
}
