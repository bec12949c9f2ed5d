//! Which events flow where: per service, the events its methods emit (it
//! appends them) and those it subscribes to (it reads them). The contracts
//! (`include_schema!`'s AsyncAPI document and `goesgen asyncapi`) say both.

use crate::model::{Schema, Service};

impl Schema {
    /// The names of the events `service`'s methods emit, each once, in the
    /// order the methods first emit them.
    pub fn sends<'a>(&'a self, service: &'a Service) -> Vec<&'a str> {
        let mut sends: Vec<&str> = Vec::new();
        for emitted in service.methods.iter().flat_map(|method| &method.emits) {
            let name = self.events[emitted.index].name.as_str();
            if !sends.contains(&name) {
                sends.push(name);
            }
        }
        sends
    }

    /// The names of the events `service` subscribes to (those its
    /// projections consume), in schema order.
    pub fn receives<'a>(&'a self, service: &'a Service) -> Vec<&'a str> {
        service
            .subscriptions
            .iter()
            .map(|&index| self.events[index].name.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::parse;

    #[test]
    fn a_service_sends_what_it_emits_and_receives_what_it_reads() {
        let source = "events:\n  Opened: {id: String}\n  Closed: {id: String}\n\
                      projections:\n  Door:\n    states: [Open, Shut]\n    createOn: Opened\n    transitions:\n      Closed: [Open -> Shut]\n\
                      services:\n  Doors:\n    projections: [Door]\n    methods:\n      Open: {emits: [Opened]}\n      Close: {emits: [Closed, Opened]}\n      Again: {emits: [Opened]}\n";
        let schema = parse(source, "doors.yml").unwrap();
        let doors = &schema.services[0];
        assert_eq!(schema.sends(doors), ["Opened", "Closed"]);
        assert_eq!(schema.receives(doors), ["Opened", "Closed"]);
    }
}
