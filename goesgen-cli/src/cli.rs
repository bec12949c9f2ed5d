//! The command line: subcommands and their arguments (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Check, draw and compare goesgen schemas; inspect and verify event logs
/// and the stores built from them.
///
/// Exit status: 0 all well, 1 problems found (schema errors, a breaking
/// change, a damaged log, a stale store), 2 the command could not run.
#[derive(Debug, Parser)]
#[command(name = "goesgen", version, about, long_about)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report every error of a schema, as include_schema! does.
    Check(CheckArgs),
    /// Draw the system, or one projection's state machine.
    Graph(GraphArgs),
    /// Compare two versions of a schema: breaking and compatible changes,
    /// and the services whose stores they make stale.
    Diff(DiffArgs),
    /// Inspect and verify an event log.
    Log(LogArgs),
    /// Write the AsyncAPI 3.0 document of a schema's event log.
    Asyncapi(AsyncApiArgs),
    /// List the stores of an SQLite database (name, version, fingerprint)
    /// and, with --schema, whether each is current or stale.
    Stores(StoresArgs),
    /// Forget a data subject for good: delete its data key, so its
    /// personal values read as forgotten, and append the record that
    /// tells services to drop what they hold of it.
    Forget(ForgetArgs),
}

/// The application's master key, which wraps the data keys of personal
/// values: from `--master-key-file`, else the environment variable
/// `GOESGEN_MASTER_KEY` (64 hexadecimal digits or base64; a file may hold
/// the 32 raw bytes instead).
#[derive(Debug, Args)]
pub struct MasterKeyArgs {
    /// A file holding the master key of personal data (32 raw bytes, 64
    /// hexadecimal digits or base64); overrides the environment variable
    /// GOESGEN_MASTER_KEY. Without either, reads show personal values
    /// sealed.
    #[arg(long, value_name = "FILE")]
    pub master_key_file: Option<PathBuf>,
}

/// `goesgen forget`.
#[derive(Debug, Args)]
pub struct ForgetArgs {
    /// The log: `sqlite:PATH` or `postgres:CONNINFO`.
    pub log: String,
    /// The data subject: its kind and id, `User:u-1` or `User:"u-1"` (an
    /// id that is not JSON is taken as a string).
    pub subject: String,
    /// The master key (optional: forgetting unwraps no key; given, it is
    /// checked against the log's).
    #[command(flatten)]
    pub master_key: MasterKeyArgs,
    /// Print a line for people instead of JSON.
    #[arg(long)]
    pub table: bool,
}

/// How schema errors and changes are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// For people: rendered like compiler messages.
    Text,
    /// JSON lines: one object per error or change.
    Json,
}

/// `goesgen check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The schema file.
    #[arg(default_value = "schema.yml")]
    pub schema: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Also list the parts of a valid schema the Go original would refuse
    /// (goesgen-for-Rust extensions); found ones are problems.
    #[arg(long)]
    pub go: bool,
}

/// The graph languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Mermaid (renders in GitHub Markdown).
    Mermaid,
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
}

/// `goesgen graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The schema file.
    #[arg(default_value = "schema.yml")]
    pub schema: PathBuf,
    /// The graph language.
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
    /// Draw this projection's state machine instead of the system.
    #[arg(long, value_name = "NAME")]
    pub projection: Option<String>,
}

/// `goesgen diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old schema (what the log was written under).
    pub old: PathBuf,
    /// The new schema.
    pub new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

/// `goesgen stores`.
#[derive(Debug, Args)]
pub struct StoresArgs {
    /// The SQLite database holding the stores (`PATH` or `sqlite:PATH`):
    /// its `goesgen_projection` table.
    pub file: String,
    /// Compare each store's schema fingerprint with the one this schema
    /// gives the service of the store's name.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// Print a table for people instead of JSON lines.
    #[arg(long)]
    pub table: bool,
}

/// `goesgen asyncapi`.
#[derive(Debug, Args)]
pub struct AsyncApiArgs {
    /// The schema file.
    #[arg(default_value = "schema.yml")]
    pub schema: PathBuf,
    /// The version the document gives the API (`info.version`).
    #[arg(long, default_value = "0.1.0")]
    pub api_version: String,
}

/// `goesgen log`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// What to do with the log.
    #[command(subcommand)]
    pub command: LogCommand,
}

/// Options every `log` subcommand takes.
#[derive(Debug, Args)]
pub struct LogTarget {
    /// The log: `sqlite:PATH` or `postgres:CONNINFO`.
    pub log: String,
    /// Print a table for people instead of JSON lines.
    #[arg(long)]
    pub table: bool,
    /// The master key: personal values are shown (and checked) in the
    /// clear, or as forgotten; without it they are shown sealed.
    #[command(flatten)]
    pub master_key: MasterKeyArgs,
}

/// The `log` subcommands.
#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// The head, records and bytes per kind, and the time span.
    Stat(LogTarget),
    /// The last records, and with --follow the new ones as they come.
    Tail {
        /// The log.
        #[command(flatten)]
        target: LogTarget,
        /// How many of the last records.
        #[arg(short = 'n', long = "lines", default_value_t = 10)]
        count: u64,
        /// Keep printing new records until interrupted.
        #[arg(short, long)]
        follow: bool,
    },
    /// One record.
    Show {
        /// The log.
        #[command(flatten)]
        target: LogTarget,
        /// Its position (1-based).
        position: u64,
    },
    /// Read the whole log and report every damaged or invalid record.
    Verify {
        /// The log.
        #[command(flatten)]
        target: LogTarget,
        /// Also check each record's kind and payload against this schema,
        /// with its renames and defaults applied (records needing an
        /// upcaster are listed as unchecked). Its personal properties
        /// must be stored sealed.
        #[arg(long)]
        schema: Option<PathBuf>,
    },
    /// Rewrite an SQLite log into a new file with the values of the
    /// schema's personal properties sealed (for properties that became
    /// personal after records were written).
    Compact(CompactArgs),
}

/// `goesgen log compact`.
#[derive(Debug, Args)]
pub struct CompactArgs {
    /// The log to read: `sqlite:PATH` (left as it is).
    pub log: String,
    /// The new SQLite file to write (must not exist).
    pub output: PathBuf,
    /// The schema saying which properties are personal, and whose.
    #[arg(long)]
    pub schema: PathBuf,
    /// The master key (required: it wraps the new file's data keys, and
    /// opens the values the log already holds sealed).
    #[command(flatten)]
    pub master_key: MasterKeyArgs,
    /// Print a line for people instead of JSON.
    #[arg(long)]
    pub table: bool,
}
