use super::*;
use crate::rules::tests::{at, names, payload, room, room_of, user, user_of};
use collabkit_webhooks::WebhookPayload;

#[test]
fn the_first_join_starts_the_session_and_a_second_is_a_no_op() {
    let room = room();
    let ada = user(&room);
    let first = join(&room, &ada, None, false, at(10)).unwrap().unwrap();
    assert!(matches!(first.session, SessionToJoin::Start { .. }));
    assert_eq!(
        names(&first.events),
        ["session.started", "participant.joined"]
    );
    assert_eq!(first.room.counters.participants, 1);
    assert_eq!(first.room.counters.live_since, Some(at(10)));
    assert!(first.user.online);
    assert_eq!(first.user.joined_at, Some(at(10)));
    assert_eq!(first.user_session.joined_at, at(10));
    assert_eq!(first.user_session.left_at, None);
    assert!(first.user_session.id.starts_with("sess_"));
    assert_eq!(first.snapshot.status, UserStatus::Online);
    let joined = user_of(&first.events[1]);
    assert_eq!(joined.status, UserStatus::Online);
    assert_eq!(joined.joined_at, Some(clock::format(&at(10))));
    assert_eq!(room_of(&first.events[0]).active_participants, 1);
    assert_eq!(room_of(&first.events[1]).active_participants, 1);

    let next = join(&first.room, &ada, Some("ses_1".into()), false, at(20))
        .unwrap()
        .unwrap();
    assert_eq!(next.session, SessionToJoin::Open("ses_1".into()));
    assert_eq!(names(&next.events), ["participant.joined"]);
    assert_eq!(next.room.counters.participants, 2);
    assert_eq!(
        next.room.counters.live_since,
        Some(at(10)),
        "joining a live session does not restart it"
    );
    assert!(
        join(&room, &ada, Some("ses_1".into()), true, at(20))
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_user_of_another_room_cannot_join() {
    let (a, b) = (room(), room());
    let err = join(&a, &user(&b), None, false, at(0)).unwrap_err();
    assert_eq!(err, StoreError::NotFound("user"));
}

#[test]
fn leaving_and_closing_move_the_counters_and_the_duration() {
    let room = room();
    let ada = user(&room);
    let joined = join(&room, &ada, None, false, at(1_000)).unwrap().unwrap();
    let left = leave(
        &joined.room,
        Some(&joined.user),
        || unreachable!(),
        at(3_500),
    )
    .unwrap();
    assert_eq!(left.room.counters.participants, 0);
    let user = left.user.clone().unwrap();
    assert!(!user.online);
    assert_eq!(user.left_at, Some(at(3_500)));
    assert_eq!(user.joined_at, Some(at(1_000)));
    assert_eq!(left.who.status, UserStatus::Offline);
    assert_eq!(left.event.event, WebhookEventName::ParticipantLeft);
    assert_eq!(
        room_of(&left.event).duration_seconds,
        2,
        "2.5 s live, whole seconds"
    );
    let (closed, event) = close_session(&left.room, vec![left.who.clone()], at(3_500));
    assert_eq!(closed.counters.live_since, None);
    assert_eq!(closed.counters.closed_ms, 2_500);
    assert_eq!(closed.counters.participants, 0);
    match payload(&event) {
        WebhookPayload::SessionClosed { room, users, .. } => {
            assert_eq!(room.active_participants, 0);
            assert_eq!(room.duration_seconds, 2);
            assert_eq!(users.len(), 1);
            assert_eq!(users[0].status, UserStatus::Offline);
        }
        other => panic!("{other:?}"),
    }
    // A closed room's duration no longer grows; the next session adds to it.
    assert_eq!(closed.counters.duration_seconds(at(60_000)), 2);
    let again = join(&closed, &user, None, false, at(10_000))
        .unwrap()
        .unwrap();
    assert_eq!(again.room.counters.duration_seconds(at(11_000)), 3);
}

#[test]
fn a_closed_session_lists_nobody_online() {
    let room = room();
    let joined = join(&room, &user(&room), None, false, at(0))
        .unwrap()
        .unwrap();
    let (_, event) = close_session(&joined.room, vec![joined.snapshot.clone()], at(5));
    match payload(&event) {
        WebhookPayload::SessionClosed { users, .. } => {
            assert_eq!(users[0].status, UserStatus::Offline);
            assert_eq!(users[0].left_at, Some(clock::format(&at(5))));
            assert_eq!(users[0].joined_at, joined.snapshot.joined_at);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_deleted_user_leaves_as_their_snapshot_marked_offline() {
    let room = room();
    let ada = user(&room);
    let joined = join(&room, &ada, None, false, at(0)).unwrap().unwrap();
    let snapshot = joined.snapshot.clone();
    let left = leave(&joined.room, None, || Ok(snapshot.clone()), at(1)).unwrap();
    assert!(left.user.is_none());
    assert_eq!(left.who.id, snapshot.id);
    assert_eq!(left.who.status, UserStatus::Offline);
    assert_eq!(left.who.left_at, Some(clock::format(&at(1))));
    let renamed = User {
        name: "Ada L.".into(),
        ..joined.user
    };
    let left = leave(&joined.room, Some(&renamed), || unreachable!(), at(1)).unwrap();
    assert_eq!(left.who.name, "Ada L.");
}

#[test]
fn reconcile_recounts_without_touching_the_rest() {
    let mut room = room();
    room.counters.participants = 7;
    room.counters.users = 3;
    let (after, previous, now) = reconciled(&room, 2);
    assert_eq!((previous, now), (7, 2));
    assert_eq!(after.counters.participants, 2);
    assert_eq!(after.counters.users, 3);
}

fn leave_view<'a>(room: &'a Room, user: &'a User, holds: &[&str]) -> LeaveView<'a> {
    LeaveView {
        room,
        user_id: &user.id,
        session: Some("ses_1".into()),
        holds: holds.iter().map(|h| h.to_string()).collect(),
        node: Some("n1"),
        others_remain: false,
        user_now: Some(user),
    }
}

#[test]
fn a_join_plan_starts_a_session_joins_one_or_only_adds_the_hold() {
    let room = room();
    let ada = user(&room);
    let view = |open| JoinView {
        room: &room,
        user: &ada,
        open,
    };
    let start = plan_join(view(None), at(1)).unwrap();
    assert_eq!(start.start.as_deref(), Some(start.session.as_str()));
    assert_eq!(names(&start.joining.unwrap().events).len(), 2);
    let open = |already_in| {
        Some(OpenSession {
            id: "ses_1".into(),
            already_in,
        })
    };
    let join = plan_join(view(open(false)), at(1)).unwrap();
    assert_eq!((join.session.as_str(), join.start), ("ses_1", None));
    assert_eq!(names(&join.joining.unwrap().events), ["participant.joined"]);
    let again = plan_join(view(open(true)), at(1)).unwrap();
    assert_eq!((again.session.as_str(), again.start), ("ses_1", None));
    assert!(again.joining.is_none(), "only the node's hold is added");
}

#[test]
fn a_leave_plan_ends_the_node_hold_and_leaves_only_when_none_remains() {
    let room = room();
    let ada = user(&room);
    let no_reads = || -> StoreResult<Vec<(String, String)>> { unreachable!() };
    // Held through another node too: that hold stays, nobody leaves.
    let view = leave_view(&room, &ada, &["n1", "n2"]);
    assert!(!view.leaves() && !view.closes());
    let plan = plan_leave(view, || unreachable!(), no_reads, at(1)).unwrap();
    assert_eq!(plan.end_holds, ["n1"]);
    assert!(plan.left.is_none());
    // Not held through this node: nothing at all.
    let plan = plan_leave(
        leave_view(&room, &ada, &["n2"]),
        || unreachable!(),
        no_reads,
        at(1),
    );
    let plan = plan.unwrap();
    assert!(plan.end_holds.is_empty() && plan.left.is_none());
    // No open session: nothing either.
    let view = LeaveView {
        session: None,
        ..leave_view(&room, &ada, &["n1"])
    };
    let plan = plan_leave(view, || unreachable!(), no_reads, at(1)).unwrap();
    assert!(plan.end_holds.is_empty() && plan.left.is_none());
    // Every node's hold ends when the user is deleted.
    let view = LeaveView {
        node: None,
        others_remain: true,
        ..leave_view(&room, &ada, &["n1", "n2"])
    };
    let plan = plan_leave(view, || unreachable!(), no_reads, at(1)).unwrap();
    assert_eq!(plan.end_holds, ["n1", "n2"]);
    let left = plan.left.unwrap();
    assert_eq!(left.close, None, "someone else remains");
    assert_eq!(names(&left.events), ["participant.left"]);
}

#[test]
fn the_last_leave_closes_the_session_listing_the_leaver_as_they_left() {
    let room = room();
    let ada = user(&room);
    let joined = join(&room, &ada, None, false, at(0)).unwrap().unwrap();
    let grace = WebhookUser {
        id: "usr_grace".into(),
        ..joined.snapshot.clone()
    };
    let view = leave_view(&joined.room, &joined.user, &["n1"]);
    assert!(view.closes());
    let json = |u: &WebhookUser| (u.id.clone(), serde_json::to_string(u).unwrap());
    // The leaver's stored row is not read: one an older version wrote may not parse.
    let users = vec![(joined.user.id.clone(), "{}".to_string()), json(&grace)];
    let plan = plan_leave(view, || unreachable!(), || Ok(users), at(2_000)).unwrap();
    let left = plan.left.unwrap();
    assert_eq!(left.close.as_deref(), Some("ses_1"));
    assert_eq!(left.room.counters.live_since, None);
    assert_eq!(left.room.counters.closed_ms, 2_000);
    assert_eq!(names(&left.events), ["participant.left", "session.closed"]);
    match payload(&left.events[1]) {
        WebhookPayload::SessionClosed { users, .. } => {
            assert_eq!(users[0], left.who, "the leaver as they left");
            assert_eq!(users[1].id, grace.id, "in join order");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_room_ends_by_each_participant_leaving_or_closes_empty() {
    let plan = plan_end_room(Some("ses_1".into()), vec!["u1".into(), "u2".into()]);
    assert_eq!(plan.leave, ["u1", "u2"]);
    assert_eq!(plan.close_empty, None, "the last leave closes it");
    let plan = plan_end_room(Some("ses_1".into()), Vec::new());
    assert_eq!(plan.close_empty.as_deref(), Some("ses_1"));
    assert_eq!(plan_end_room(None, Vec::new()).close_empty, None);
}

#[test]
fn gone_holds_group_by_session_in_order() {
    let row = |r: &str, s: &str, u: &str| {
        (
            "acc".to_string(),
            r.to_string(),
            s.to_string(),
            u.to_string(),
            "n".to_string(),
        )
    };
    let rooms = gone_rooms(vec![
        row("r1", "s1", "a"),
        row("r1", "s1", "b"),
        row("r2", "s2", "c"),
    ]);
    assert_eq!(rooms.len(), 2);
    assert_eq!(rooms[0].room_id, "r1");
    let users: Vec<_> = rooms[0].holds.iter().map(|h| h.0.as_str()).collect();
    assert_eq!(users, ["a", "b"]);
    assert_eq!(rooms[1].holds, [("c".to_string(), Some("n".to_string()))]);
}

#[test]
fn an_empty_session_closes_only_if_still_open_and_empty() {
    assert!(closes_empty(Some("s"), "s", 0));
    assert!(!closes_empty(Some("s"), "s", 1), "someone joined since");
    assert!(!closes_empty(Some("t"), "s", 0));
    assert!(!closes_empty(None, "s", 0));
}
