//! The unit tests of [`Table`](super::Table): a write's own view, rollback,
//! savepoints, and the spare map (free, held by a reader, or stale).

use super::*;

fn committed(entries: &[(&str, u32)]) -> Table<String, u32> {
    let table: Table<String, u32> = entries.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
    table
}

fn sorted(table: &Table<String, u32>) -> Vec<(String, u32)> {
    let mut entries: Vec<_> = table.iter().map(|(k, v)| (k.clone(), *v)).collect();
    entries.sort();
    entries
}

#[test]
fn a_write_reads_its_own_changes_and_the_committed_table_does_not() {
    let table = committed(&[("a", 1), ("b", 2)]);
    let mut write = table.begin_write();
    *write.get_mut("a").unwrap() += 10;
    assert_eq!(write.insert("c".into(), 3), None);
    assert_eq!(write.insert("b".into(), 20), Some(2));
    assert_eq!(write.remove("c"), Some(3));
    assert_eq!(write.remove("zz"), None);
    assert_eq!(write.get_mut("zz"), None);
    assert_eq!(
        sorted(&write),
        vec![("a".into(), 11), ("b".into(), 20)],
        "the write sees its changes"
    );
    assert_eq!(write.len(), 2);
    assert_eq!(sorted(&table), vec![("a".into(), 1), ("b".into(), 2)]);

    let next = write.commit();
    assert_eq!(sorted(&next), vec![("a".into(), 11), ("b".into(), 20)]);
    assert_eq!(sorted(&table), vec![("a".into(), 1), ("b".into(), 2)]);
    drop(table);
    // The next commits go through the spare: it must follow.
    let mut current = next;
    let mut write = current.begin_write();
    write.remove("a");
    current = write.commit();
    let mut write = current.begin_write();
    write.insert("d".into(), 4);
    current = write.commit();
    assert_eq!(sorted(&current), vec![("b".into(), 20), ("d".into(), 4)]);
    assert_eq!(current.len(), 2);
    assert_eq!(current.full_copies(), 0, "no reader held the spare");
}

#[test]
fn a_dropped_write_leaves_nothing_and_the_next_one_starts_clean() {
    let table = committed(&[("a", 1)]);
    let mut write = table.begin_write();
    write.insert("b".into(), 2);
    write.remove("a");
    drop(write);
    let write = table.begin_write();
    assert_eq!(sorted(&write), vec![("a".into(), 1)]);
    assert_eq!(sorted(&write.commit()), vec![("a".into(), 1)]);
}

#[test]
fn a_rollback_to_the_savepoint_undoes_only_what_came_after_it() {
    let table = committed(&[("a", 1), ("b", 2)]);
    let mut write = table.begin_write();
    write.insert("c".into(), 3);
    write.savepoint();
    *write.get_mut("a").unwrap() = 100;
    write.remove("b");
    write.remove("c");
    write.insert("d".into(), 4);
    assert_eq!(write.len(), 2);
    write.rollback_to_savepoint();
    let before = vec![("a".into(), 1), ("b".into(), 2), ("c".into(), 3)];
    assert_eq!(sorted(&write), before);
    assert_eq!(write.len(), 3);
    // A later savepoint replaces the earlier one; the mark stays.
    write.insert("e".into(), 5);
    write.savepoint();
    write.remove("e");
    write.rollback_to_savepoint();
    write.insert("f".into(), 6);
    write.rollback_to_savepoint();
    let next = write.commit();
    assert_eq!(
        sorted(&next),
        vec![
            ("a".into(), 1),
            ("b".into(), 2),
            ("c".into(), 3),
            ("e".into(), 5)
        ]
    );
    assert_eq!(next.len(), 4);
}

#[test]
fn a_reader_holding_the_spare_makes_the_commit_copy_and_keeps_its_version() {
    let v0 = committed(&[("a", 0)]);
    let mut write = v0.begin_write();
    *write.get_mut("a").unwrap() = 1;
    let v1 = write.commit();
    let mut write = v1.begin_write();
    *write.get_mut("a").unwrap() = 2;
    // `v0` is still held, and it is the spare the commit would use.
    let v2 = write.commit();
    assert_eq!(v2.full_copies(), 1);
    assert_eq!(v0.get("a"), Some(&0));
    assert_eq!(v1.get("a"), Some(&1));
    assert_eq!(v2.get("a"), Some(&2));
    drop((v0, v1));
    let mut current = v2;
    for n in 3..6 {
        let mut write = current.begin_write();
        *write.get_mut("a").unwrap() = n;
        // As in the store: the previous committed value is still held
        // while the commit runs, the one before it is not.
        current = write.commit();
        assert_eq!(current.get("a"), Some(&n));
    }
    assert_eq!(current.full_copies(), 1, "the spare was free again");
}

#[test]
fn a_second_commit_from_the_same_view_does_not_use_a_stale_spare() {
    let v0 = committed(&[("a", 0), ("b", 0)]);
    let mut one = v0.begin_write();
    let mut other = v0.begin_write();
    one.insert("a".into(), 1);
    other.insert("b".into(), 2);
    let first = one.commit();
    let second = other.commit();
    assert_eq!(sorted(&first), vec![("a".into(), 1), ("b".into(), 0)]);
    assert_eq!(sorted(&second), vec![("a".into(), 0), ("b".into(), 2)]);
    assert!(second.full_copies() >= 1);
}

#[test]
fn a_table_the_write_does_not_touch_keeps_its_committed_map() {
    let table = committed(&[("a", 1)]);
    let write = table.begin_write();
    assert!(write.write.is_none(), "no change, no overlay");
    let next = write.commit();
    assert!(Arc::ptr_eq(&next.committed, &table.committed));
    assert_eq!(next.generation, table.generation);
    assert_eq!(sorted(&next), vec![("a".into(), 1)]);
}

#[test]
fn a_commit_keeps_its_emptied_overlay_for_the_next_write() {
    let mut current = committed(&[("a", 0)]);
    for n in 1..4 {
        let mut write = current.begin_write();
        *write.get_mut("a").unwrap() = n;
        current = write.commit();
        assert_eq!(current.get("a"), Some(&n));
        let kept = current.spare.free_overlay().expect("the overlay was kept");
        assert!(kept.changes.is_empty() && kept.recent.is_empty());
        assert!(kept.capacity() > 0, "with its room");
    }
}

#[test]
fn a_savepoint_before_any_change_rolls_back_to_the_committed_table() {
    let table = committed(&[("a", 1)]);
    let mut write = table.begin_write();
    write.savepoint();
    write.insert("b".into(), 2);
    *write.get_mut("a").unwrap() = 10;
    write.rollback_to_savepoint();
    assert_eq!(sorted(&write), vec![("a".into(), 1)]);
    assert_eq!(write.len(), 1);
    write.insert("c".into(), 3);
    let next = write.commit();
    assert_eq!(sorted(&next), vec![("a".into(), 1), ("c".into(), 3)]);
}
