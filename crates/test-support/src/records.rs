//! Records a test puts straight into the stores as the running system would write them: guest
//! accounts in PostgreSQL, an edge node's registry entry and searching tickets in Redis (the
//! matcher needs no accounts behind them).

use whoosh_cache::{EdgeNode, Ticket, TicketStatus};

/// A new guest account named `name` (on a device of its own); its user id.
pub async fn guest(db: &sqlx::PgPool, name: &str) -> uuid::Uuid {
    let device = whoosh_core::DeviceId::parse(&uuid::Uuid::new_v4().to_string()).unwrap();
    let name = whoosh_core::DisplayName::parse(name).unwrap();
    let (account, _) = whoosh_store::accounts::guest_for_device(db, &device, &name)
        .await
        .unwrap();
    account.id
}

/// Wall-clock milliseconds, the clock tickets are stamped with.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A live, accepting, empty edge node of region `local` that players and peers reach at `url`.
pub fn edge_node(id: &str, url: &str, capacity: u32) -> EdgeNode {
    EdgeNode {
        id: id.to_owned(),
        url: url.to_owned(),
        internal_url: url.to_owned(),
        region: "local".to_owned(),
        capacity,
        load: 0,
        accepting: true,
    }
}

/// A `party`-mode ticket of region `local`, searching, owned by its first member.
pub fn searching_ticket(
    id: String,
    members: Vec<String>,
    rating: i32,
    created_at_ms: i64,
    expires_at_ms: i64,
) -> Ticket {
    Ticket {
        id,
        mode: "party".into(),
        region: "local".into(),
        owner: members[0].clone(),
        members,
        party_id: None,
        rating,
        created_at_ms,
        expires_at_ms,
        status: TicketStatus::Searching,
        lobby_id: None,
        edge_url: None,
        matched_at_ms: None,
    }
}
