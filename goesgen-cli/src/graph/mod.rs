//! `goesgen graph [SCHEMA] --format mermaid|dot [--projection NAME]`.
//!
//! Without `--projection`, the system: each service with its methods, each
//! method's edges to the events it emits, each event's edges to the
//! projections that consume it (labelled `creates` for the `createOn`
//! event), and dashed `keeps` edges from each service to the projections
//! it keeps. With `--projection NAME`, that projection's state machine: its
//! states, a start point whose edge, labelled with the `createOn` event,
//! leads into the initial state, and one edge per pair of states labelled
//! with the events that move between them.
//!
//! Everything is in schema order, so the same schema draws the same text.
//! This module gathers what is drawn ([`System`], [`Machine`]); `mermaid`
//! and `dot` write it.

mod dot;
mod mermaid;

use goesgen_schema::{Projection, Schema};

use crate::Outcome;
use crate::cli::{GraphArgs, GraphFormat};
use crate::error::CliError;
use crate::output::Out;
use crate::schema_file::SchemaFile;

/// Runs `goesgen graph`.
pub fn run(args: &GraphArgs, out: &mut Out) -> Result<Outcome, CliError> {
    let file = SchemaFile::read(&args.schema)?;
    let schema = file.valid()?;
    let text = match &args.projection {
        None => {
            let system = System::of(&schema);
            match args.format {
                GraphFormat::Mermaid => mermaid::system(&system),
                GraphFormat::Dot => dot::system(&system),
            }
        }
        Some(name) => {
            let projection = schema
                .projections
                .iter()
                .find(|p| p.name.text == *name)
                .ok_or_else(|| CliError::NoSuchProjection {
                    name: name.clone(),
                    defined: defined(&schema),
                })?;
            let machine = Machine::of(&schema, projection);
            match args.format {
                GraphFormat::Mermaid => mermaid::machine(&machine),
                GraphFormat::Dot => dot::machine(&machine),
            }
        }
    };
    out.line(text.trim_end())?;
    Ok(Outcome::Clean)
}

fn defined(schema: &Schema) -> String {
    if schema.projections.is_empty() {
        return "none".to_string();
    }
    schema
        .projections
        .iter()
        .map(|p| format!("`{}`", p.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the system graph shows, by name, in schema order.
pub struct System {
    /// The services.
    pub services: Vec<ServiceNode>,
    /// The events.
    pub events: Vec<String>,
    /// The projections, each with the events it consumes.
    pub projections: Vec<ProjectionNode>,
}

/// A service: its methods and the projections it keeps.
pub struct ServiceNode {
    /// Its name.
    pub name: String,
    /// Its methods: name and the events each emits.
    pub methods: Vec<(String, Vec<String>)>,
    /// The projections it keeps.
    pub keeps: Vec<String>,
}

/// A projection and the events it consumes.
pub struct ProjectionNode {
    /// Its name.
    pub name: String,
    /// Its `createOn` event.
    pub create_on: String,
    /// Its transition events, in schema order.
    pub transitions: Vec<String>,
}

impl System {
    /// The system of `schema`.
    pub fn of(schema: &Schema) -> Self {
        let event = |e: &goesgen_schema::EventRef| schema.event(e).name.text.clone();
        System {
            services: schema
                .services
                .iter()
                .map(|service| ServiceNode {
                    name: service.name.text.clone(),
                    methods: service
                        .methods
                        .iter()
                        .map(|m| (m.name.text.clone(), m.emits.iter().map(event).collect()))
                        .collect(),
                    keeps: service
                        .projections
                        .iter()
                        .map(|p| schema.projection(p).name.text.clone())
                        .collect(),
                })
                .collect(),
            events: schema.events.iter().map(|e| e.name.text.clone()).collect(),
            projections: schema
                .projections
                .iter()
                .map(|p| ProjectionNode {
                    name: p.name.text.clone(),
                    create_on: event(&p.create_on),
                    transitions: p.transitions.iter().map(|t| event(&t.event)).collect(),
                })
                .collect(),
        }
    }
}

/// What a state machine graph shows.
pub struct Machine {
    /// The projection's name.
    pub name: String,
    /// Its states; the first is the initial one.
    pub states: Vec<String>,
    /// Its `createOn` event (the edge into the initial state).
    pub create_on: String,
    /// One edge per (from, to) pair, in the order the pair is first
    /// written, with the events of its moves in schema order.
    pub edges: Vec<(String, String, Vec<String>)>,
}

impl Machine {
    /// The state machine of `projection`.
    pub fn of(schema: &Schema, projection: &Projection) -> Self {
        let state = |index: usize| projection.states[index].name.text.clone();
        let mut edges: Vec<(String, String, Vec<String>)> = Vec::new();
        for transitions in &projection.transitions {
            let event = schema.event(&transitions.event).name.text.clone();
            for step in &transitions.moves {
                let (from, to) = (state(step.from), state(step.to));
                match edges.iter_mut().find(|(f, t, _)| *f == from && *t == to) {
                    Some((_, _, events)) => events.push(event.clone()),
                    None => edges.push((from, to, vec![event.clone()])),
                }
            }
        }
        Machine {
            name: projection.name.text.clone(),
            states: projection
                .states
                .iter()
                .map(|s| s.name.text.clone())
                .collect(),
            create_on: schema.event(&projection.create_on).name.text.clone(),
            edges,
        }
    }
}
