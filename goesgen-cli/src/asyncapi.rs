//! `goesgen asyncapi [SCHEMA] [--api-version V]`: the AsyncAPI 3.0 document
//! of a schema's event log, written without the Rust types: one channel,
//! one message per event kind, and per service what it sends and receives
//! (as `include_schema!`'s `events::asyncapi()` writes it, through the same
//! builder, the runtime's `contracts`). A property of one of Rust's own
//! types gets its JSON type; any other is typed by its Rust name
//! (`x-rust-type`), its shape known to the Rust program only.

use goesgen_runtime::contracts::{
    self, EventContract, LogContract, PropertyContract, ServiceContract, schema_of_rust_name,
};
use goesgen_schema::Schema;
use goesgen_schema::evolution::is_optional;

use crate::Outcome;
use crate::cli::AsyncApiArgs;
use crate::error::CliError;
use crate::output::Out;
use crate::schema_file::SchemaFile;

/// Runs `goesgen asyncapi`.
pub fn run(args: &AsyncApiArgs, out: &mut Out) -> Result<Outcome, CliError> {
    let file = SchemaFile::read(&args.schema)?;
    let schema = file.valid()?;
    let docs = Docs::of(&schema);
    let contract = contract(&schema, &docs, &args.api_version);
    out.line(format!("{:#}", contracts::asyncapi(&contract)))?;
    Ok(Outcome::Clean)
}

/// The schema's comments as single texts, borrowed by the contract.
struct Docs {
    events: Vec<(String, Vec<String>)>,
    services: Vec<String>,
}

impl Docs {
    fn of(schema: &Schema) -> Self {
        Self {
            events: schema
                .events
                .iter()
                .map(|event| {
                    let properties = event.properties.iter().map(|p| p.doc.lines.join("\n"));
                    (event.doc.lines.join("\n"), properties.collect())
                })
                .collect(),
            services: schema
                .services
                .iter()
                .map(|service| service.doc.lines.join("\n"))
                .collect(),
        }
    }
}

/// The contract of `schema`, titled by its file's name (as
/// `include_schema!` titles it).
fn contract<'a>(schema: &'a Schema, docs: &'a Docs, version: &'a str) -> LogContract<'a> {
    let events = schema
        .events
        .iter()
        .zip(&docs.events)
        .map(|(event, (doc, property_docs))| EventContract {
            name: event.name.as_str(),
            doc,
            properties: event
                .properties
                .iter()
                .zip(property_docs)
                .map(|(property, doc)| PropertyContract {
                    name: property.name.as_str(),
                    doc,
                    required: !is_optional(&property.ty),
                    schema: schema_of_rust_name(&property.ty.rust),
                })
                .collect(),
        })
        .collect();
    let services = schema
        .services
        .iter()
        .zip(&docs.services)
        .map(|(service, doc)| ServiceContract {
            name: service.name.as_str(),
            doc,
            sends: schema.sends(service),
            receives: schema.receives(service),
        })
        .collect();
    LogContract {
        title: &schema.file,
        version,
        events,
        services,
        definitions: Default::default(),
    }
}
