use super::*;
use serde_json::json;

fn room() -> CollabKitRoom {
    CollabKitRoom {
        id: "room_1".into(),
        account_id: "acct_1".into(),
        name: "Room".into(),
        custom_id: Some("r1".into()),
        created_at: "2026-01-01T00:00:00Z".into(),
        state: RoomState::Active,
        duration_seconds: 3,
        active_participants: 1,
        total_users_created: 2,
    }
}

#[test]
fn payload_has_exactly_the_seed_fields() {
    let p = WebhookPayload::SessionStarted {
        id: "evt_1".into(),
        timestamp: "2026-01-01T00:00:00Z".into(),
        room: room(),
    };
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(
        v,
        json!({
            "id": "evt_1", "event": "session.started", "timestamp": "2026-01-01T00:00:00Z",
            "room": {"id": "room_1", "account_id": "acct_1", "name": "Room", "custom_id": "r1",
                     "created_at": "2026-01-01T00:00:00Z", "state": "active",
                     "duration_seconds": 3, "active_participants": 1,
                     "total_users_created": 2}
        })
    );
    let back: WebhookPayload = serde_json::from_value(v).unwrap();
    assert_eq!(back, p);
}

#[test]
fn unknown_fields_are_rejected() {
    let bad = json!({"id": "evt_1", "event": "session.started", "timestamp": "t",
                     "room": room(), "extra": 1});
    assert!(serde_json::from_value::<WebhookPayload>(bad).is_err());
}

#[test]
fn about_user_builds_each_user_event_and_refuses_session_events() {
    let user = WebhookUser {
        id: "usr_1".into(),
        room_id: "room_1".into(),
        name: "U".into(),
        profile_picture: None,
        custom_id: None,
        status: UserStatus::Offline,
        created_at: "t".into(),
        joined_at: None,
        left_at: None,
    };
    for e in WebhookEventName::ALL {
        let p = WebhookPayload::about_user(e, "evt_1".into(), "t".into(), room(), user.clone());
        match e {
            WebhookEventName::SessionStarted | WebhookEventName::SessionClosed => {
                assert!(p.is_none())
            }
            _ => assert_eq!(p.unwrap().event(), e),
        }
    }
}

#[test]
fn users_and_sessions_are_snake_case_with_their_documented_fields() {
    let user = CollabKitUser {
        id: "usr_1".into(),
        room_id: "room_1".into(),
        name: "U".into(),
        profile_picture: None,
        custom_id: None,
        status: UserStatus::Online,
        created_at: "t0".into(),
        joined_at: Some("t1".into()),
        left_at: None,
        token: "tok".into(),
    };
    assert_eq!(
        serde_json::to_value(&user).unwrap(),
        json!({"id": "usr_1", "room_id": "room_1", "name": "U", "profile_picture": null,
               "custom_id": null, "status": "online", "created_at": "t0",
               "joined_at": "t1", "left_at": null, "token": "tok"})
    );
    let hook = serde_json::to_value(WebhookUser::from(user)).unwrap();
    assert!(hook.get("token").is_none(), "{hook}");
    assert_eq!(hook["status"], "online");
    let session = CollabKitUserSession {
        id: "sess_1".into(),
        user_id: "usr_1".into(),
        room_id: "room_1".into(),
        joined_at: "t1".into(),
        left_at: None,
    };
    assert_eq!(
        serde_json::to_value(&session).unwrap(),
        json!({"id": "sess_1", "user_id": "usr_1", "room_id": "room_1",
               "joined_at": "t1", "left_at": null})
    );
}

#[test]
fn event_names_round_trip() {
    for e in WebhookEventName::ALL {
        assert_eq!(WebhookEventName::parse(e.as_str()), Some(e));
        assert_eq!(serde_json::to_value(e).unwrap(), json!(e.as_str()));
    }
    assert_eq!(WebhookEventName::parse("user.exploded"), None);
}
