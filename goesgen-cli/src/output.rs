//! Where a command writes: standard output, locked and buffered, with
//! every write checked (a closed pipe ends the command quietly instead of
//! panicking as `println!` would).

use std::io::{self, BufWriter, Write};

/// The output of a command.
pub struct Out {
    inner: BufWriter<Box<dyn Write>>,
}

impl Out {
    /// Standard output.
    pub fn stdout() -> Self {
        Out {
            inner: BufWriter::new(Box::new(io::stdout())),
        }
    }

    /// Writes one line.
    pub fn line(&mut self, text: impl AsRef<str>) -> io::Result<()> {
        self.inner.write_all(text.as_ref().as_bytes())?;
        self.inner.write_all(b"\n")
    }

    /// Writes a JSON value on one line.
    pub fn json(&mut self, value: &serde_json::Value) -> io::Result<()> {
        self.line(value.to_string())
    }

    /// Sends everything written so far (for `tail --follow`).
    pub fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Drop for Out {
    fn drop(&mut self) {
        // `main` flushes and reports; this only covers an early return.
        let _ = self.inner.flush();
    }
}
