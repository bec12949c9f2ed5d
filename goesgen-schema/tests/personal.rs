//! Personal data in a schema: how `personal: true` and `subject: true`
//! read into the model (the event's data subject and its kind), rule 19's
//! errors (each located, with its hint), how `diff` classifies a property
//! made personal, no longer personal, or another subject (breaking, with
//! the migration path in the hint), and what `go_extensions` lists.

mod common;

use goesgen_schema::{ChangeKind, Class, Rule, diff, go_extensions};

use common::{assert_error, errors, hint, ok, only};

/// A users schema whose `UserCreated` holds a personal name.
const USERS: &str = "\
events:
  UserCreated:
    id: {type: id.User, subject: true}
    name: {type: UserName, personal: true}
    email: {type: Option<String>, personal: true}
  UserRenamed:
    id: id.User
    name: UserName
projections:
  User:
    states: [Active]
    createOn: UserCreated
    transitions:
      UserRenamed: [Active -> Active]
services:
  Users:
    projections: [User]
    methods:
      CreateUser: {emits: [UserCreated]}
      RenameUser: {emits: [UserRenamed]}
";

#[test]
fn personal_properties_and_their_subject_read_into_the_model() {
    let schema = ok(USERS);
    let created = &schema.events[0];
    let flags: Vec<(&str, bool, bool)> = created
        .properties
        .iter()
        .map(|p| (p.name.as_str(), p.personal, p.subject))
        .collect();
    assert_eq!(
        flags,
        [
            ("id", false, true),
            ("name", true, false),
            ("email", true, false)
        ]
    );
    let subject = created.subject.as_ref().expect("a data subject");
    assert_eq!(subject.property, 0);
    assert_eq!(subject.kind.as_str(), "User");
    // Located at `User` in `id.User`.
    assert_eq!((subject.kind.at.line, subject.kind.at.column), (3, 19));
    assert_eq!(
        created.subject_property().map(|p| p.name.as_str()),
        Some("id")
    );
    let personal: Vec<&str> = created
        .personal_properties()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(personal, ["name", "email"]);
    // An event without personal data has no subject.
    assert!(schema.events[1].subject.is_none());
    // `personal: false` is the same as leaving it out.
    let schema = ok(&USERS.replace(
        "    name: UserName\n",
        "    name: {type: UserName, personal: false}\n",
    ));
    assert!(!schema.events[1].properties[1].personal);
}

#[test]
fn a_personal_property_needs_a_subject_on_its_event() {
    let error = only(&USERS.replace("{type: id.User, subject: true}", "id.User"));
    assert_error(
        &error,
        Rule::Personal,
        (4, 28),
        "events.UserCreated.name.personal",
        "event `UserCreated` holds personal data (`name`, `email`) but names no subject, whose key would seal it",
    );
    assert_eq!(
        hint(&error),
        "mark the property naming the person: `id: {type: id.User, subject: true}`"
    );
}

#[test]
fn an_event_names_one_subject() {
    let error = only(&USERS.replace(
        "    email:",
        "    invitedBy: {type: id.User, subject: true}\n    email:",
    ));
    assert_error(
        &error,
        Rule::Personal,
        (5, 32),
        "events.UserCreated.invitedBy.subject",
        "event `UserCreated` names a second subject `invitedBy` (the first is `id`)",
    );
    assert!(hint(&error).contains("an event of its own"), "{error}");
}

#[test]
fn the_subject_is_not_itself_personal() {
    let error = only(&USERS.replace(
        "{type: id.User, subject: true}",
        "{type: id.User, subject: true, personal: true}",
    ));
    assert_error(
        &error,
        Rule::Personal,
        (3, 25),
        "events.UserCreated.id.subject",
        "property `id` is both personal and the subject",
    );
}

#[test]
fn the_subject_is_a_required_id() {
    let error = only(&USERS.replace(
        "{type: id.User, subject: true}",
        "{type: Option<id.User>, subject: true}",
    ));
    assert_error(
        &error,
        Rule::Personal,
        (3, 16),
        "events.UserCreated.id",
        "the subject `id` is optional (`Option<id.User>`): every record must name its person",
    );
    assert_eq!(
        hint(&error),
        "make it required: `id: {type: id.User, subject: true}`"
    );

    let error = only(&USERS.replace(
        "{type: id.User, subject: true}",
        "{type: String, subject: true}",
    ));
    assert_error(
        &error,
        Rule::Personal,
        (3, 16),
        "events.UserCreated.id",
        "the subject `id` is a `String`, not an id type",
    );
    assert!(hint(&error).contains("its kind is `User`"), "{error}");

    // A Rust path to the id module is an id type too.
    let schema = ok(&USERS.replace("{type: id.User,", "{type: crate::id::Member,"));
    assert_eq!(
        schema.events[0].subject.as_ref().map(|s| s.kind.as_str()),
        Some("Member")
    );
}

#[test]
fn a_subject_needs_personal_data_to_seal() {
    let error = only(&USERS.replace(
        "    id: id.User\n    name: UserName",
        "    id: {type: id.User, subject: true}\n    name: UserName",
    ));
    assert_error(
        &error,
        Rule::Personal,
        (7, 25),
        "events.UserRenamed.id.subject",
        "`id` is the subject of event `UserRenamed`, which holds no personal data",
    );
}

#[test]
fn two_subject_kinds_need_two_forget_hooks() {
    // `id.UserID` and `id.UserId` would both be forgotten by `forget_user_id`.
    let source = USERS
        .replace(
            "{type: id.User, subject: true}",
            "{type: id.UserID, subject: true}",
        )
        .replace(
            "    id: id.User\n    name: UserName",
            "    id: {type: id.UserId, subject: true}\n    name: {type: UserName, personal: true}",
        );
    let error = only(&source);
    assert_error(
        &error,
        Rule::NameCollision,
        (7, 19),
        "events.UserRenamed.id",
        "subject kind `UserId` and subject kind `UserID` (line 3, column 19) both become the Rust identifier `forget_user_id`",
    );
    assert_eq!(hint(&error), "rename one of them");
    // One kind written in several events is one hook.
    ok(&source.replace("id.UserId", "id.UserID"));
}

#[test]
fn the_flags_are_booleans() {
    let errors = errors(&USERS.replace(
        "personal: true}\n    email",
        "personal: yes please}\n    email",
    ));
    let error = errors.iter().next().expect("an error");
    assert_error(
        error,
        Rule::Shape,
        (4, 38),
        "events.UserCreated.name.personal",
        "expected `true` or `false` for `personal`, found `yes please`",
    );
    assert_eq!(
        hint(error),
        "write `personal: true`, or leave `personal` out"
    );
    // Without its mark, the name is no personal data: the subject is alone.
    assert_eq!(errors.len(), 1, "{errors}");
}

/// `USERS` before its properties were personal.
fn plain() -> String {
    USERS
        .replace("{type: id.User, subject: true}", "id.User")
        .replace("{type: UserName, personal: true}", "UserName")
        .replace("{type: Option<String>, personal: true}", "Option<String>")
}

#[test]
fn making_a_property_personal_breaks_the_log_and_points_to_its_migration() {
    let changes = diff(&ok(&plain()), &ok(USERS));
    let found: Vec<(ChangeKind, Class, &str)> = changes
        .iter()
        .map(|c| (c.kind, c.class, c.path.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                ChangeKind::PropertyMadePersonal,
                Class::Breaking,
                "events.UserCreated.name"
            ),
            (
                ChangeKind::PropertyMadePersonal,
                Class::Breaking,
                "events.UserCreated.email"
            ),
        ]
    );
    let name = &changes[0];
    assert!(
        name.message
            .starts_with("property `name` made personal: records already in the log hold it in plain text, which `forget` cannot erase"),
        "{}",
        name.message
    );
    assert_eq!(
        name.hint.as_deref(),
        Some(
            "rewrite the log with its `name` values sealed before this schema writes to it \
             (`goesgen log compact`, docs/schema.md, \"Personal data\", \"Existing logs\"), \
             then make this schema the baseline"
        )
    );
    assert_eq!((name.at.line, name.at.column), (4, 5));

    // The other way round: a sealed value stays personal.
    let changes = diff(&ok(USERS), &ok(&plain()));
    let kinds: Vec<(ChangeKind, Class)> = changes.iter().map(|c| (c.kind, c.class)).collect();
    assert_eq!(
        kinds,
        [
            (ChangeKind::PropertyNoLongerPersonal, Class::Breaking),
            (ChangeKind::PropertyNoLongerPersonal, Class::Breaking),
        ]
    );
    assert_eq!(
        changes[0].hint.as_deref(),
        Some("keep `personal: true`: a value sealed in the log stays personal")
    );
}

#[test]
fn another_subject_breaks_the_log_and_a_new_personal_property_does_not() {
    let two_ids = USERS.replace(
        "    id: {type: id.User, subject: true}\n",
        "    id: {type: id.User, subject: true}\n    account: id.Account\n",
    );
    let moved = two_ids
        .replace("{type: id.User, subject: true}", "id.User")
        .replace(
            "account: id.Account",
            "account: {type: id.Account, subject: true}",
        );
    let changes = diff(&ok(&two_ids), &ok(&moved));
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(
        (changes[0].kind, changes[0].class, changes[0].path.as_str()),
        (
            ChangeKind::SubjectChanged,
            Class::Breaking,
            "events.UserCreated.account"
        )
    );
    assert_eq!(
        changes[0].hint.as_deref(),
        Some("keep `subject: true` on `id`; data about another person goes in a new event")
    );

    // A renamed subject (`was`) is the same subject; an added optional
    // personal property is compatible, like any added optional one.
    let renamed = USERS
        .replace("id: {type: id.User, subject: true}", "user: {type: id.User, subject: true, was: id}")
        .replace(
            "    email: {type: Option<String>, personal: true}\n",
            "    email: {type: Option<String>, personal: true}\n    phone: {type: Option<String>, personal: true}\n",
        );
    let changes = diff(&ok(USERS), &ok(&renamed));
    let kinds: Vec<(ChangeKind, Class)> = changes.iter().map(|c| (c.kind, c.class)).collect();
    assert_eq!(
        kinds,
        [
            (ChangeKind::PropertyRenamed, Class::Migrated),
            (ChangeKind::PropertyAdded, Class::Compatible),
        ]
    );
}

#[test]
fn another_kind_of_subject_breaks_the_log_even_with_an_upcaster() {
    // Sealed records name their subject `User:<id>`: forgetting a
    // `Member:<id>` would not erase them, whatever rewrites the ids.
    let member = USERS.replace(
        "{type: id.User, subject: true}",
        "{type: id.Member, subject: true}",
    );
    let upcast = member.replace(
        "  UserCreated:\n",
        "  UserCreated:\n    upcast: crate::migrations::user_created\n",
    );
    for (new, retyped) in [(&member, Class::Breaking), (&upcast, Class::Migrated)] {
        let changes = diff(&ok(USERS), &ok(new));
        let kinds: Vec<(ChangeKind, Class)> = changes.iter().map(|c| (c.kind, c.class)).collect();
        assert_eq!(
            kinds,
            [
                (ChangeKind::PropertyTypeChanged, retyped),
                (ChangeKind::SubjectChanged, Class::Breaking),
            ],
            "{changes:#?}"
        );
        let subject = &changes[1];
        assert_eq!(subject.path, "events.UserCreated.id");
        assert!(
            subject.message.starts_with(
                "the subject `id` of event `UserCreated` changed type from `id.User` to `id.Member`"
            ),
            "{}",
            subject.message
        );
        assert_eq!(
            subject.hint.as_deref(),
            Some(
                "keep `id.User` as the subject's type; data about another kind of person goes in a new event"
            )
        );
    }
    // The same type written another way is the same subject.
    let spelled = USERS.replace(
        "{type: id.User, subject: true}",
        "{type: crate::id::User, subject: true}",
    );
    assert!(diff(&ok(USERS), &ok(&spelled)).is_empty());
}

#[test]
fn personal_data_is_an_extension_of_the_go_schema() {
    let found = go_extensions(&ok(USERS));
    let listed: Vec<(&str, &str)> = found
        .iter()
        .map(|e| (e.path.as_str(), e.what.as_str()))
        .collect();
    assert_eq!(
        listed,
        [
            (
                "events.UserCreated.id",
                "a property in the long form `{type: ..}` with `subject: true`"
            ),
            (
                "events.UserCreated.name",
                "a property in the long form `{type: ..}` with `personal: true` (sealed in the log)"
            ),
            (
                "events.UserCreated.email",
                "a property in the long form `{type: ..}` with `personal: true` (sealed in the log)"
            ),
        ]
    );
}
