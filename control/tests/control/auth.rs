//! The authorisation matrix: per-workspace roles, agents confined to their workspace, 401
//! versus 403, revocation on the next request, superseded agent tokens refused.

use hangar_wire::{JobList, JobProgress, Overview, Role, WhoAmI, WorkspaceList};

use crate::both;
use crate::support::*;

async fn matrix(backend: Backend) {
    let db = Db::new(backend);
    let s = start(&db).await;
    let c = &s.client;
    eu_and_us(c, &s.admin).await;
    let us_job: hangar_wire::Job = queue(c, &s.admin, "us-prod", apply()).await.json();
    let (_, eu_viewer) =
        user_token(c, &s.admin, "eu-scientist", &[("eu-prod", Role::Viewer)]).await;
    let (_, eu_op) = user_token(c, &s.admin, "eu-ci", &[("eu-prod", Role::Operator)]).await;

    // An EU-only token sees EU only, and cannot queue anything for the US.
    for token in [&eu_viewer, &eu_op] {
        let list: WorkspaceList = c.get("/api/v1/workspaces", token).await.json();
        let names: Vec<&str> = list.workspaces.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, ["eu-prod"]);
        let overview: Overview = c.get("/api/v1/overview", token).await.json();
        assert_eq!(overview.workspaces.len(), 1);
        assert!(overview.jobs.iter().all(|j| j.workspace == "eu-prod"));
        for path in [
            "/api/v1/workspaces/us-prod".to_string(),
            "/api/v1/workspaces/us-prod/jobs".to_string(),
            "/api/v1/workspaces/us-prod/agents".to_string(),
            format!("/api/v1/jobs/{}", us_job.id),
            // A workspace that does not exist looks the same as one that is not granted.
            "/api/v1/workspaces/nowhere".to_string(),
        ] {
            let r = c.get(&path, token).await;
            assert_eq!(r.status, 403, "{path}: {}", r.text());
        }
        let r = queue(c, token, "us-prod", apply()).await;
        assert_eq!(r.status, 403, "{}", r.text());
        for admin_only in ["/api/v1/tokens", "/api/v1/audit"] {
            assert_eq!(c.get(admin_only, token).await.status, 403, "{admin_only}");
        }
    }
    // Viewers see; operators also queue and register agents.
    assert_eq!(queue(c, &eu_viewer, "eu-prod", apply()).await.status, 403);
    let r = c
        .post(
            "/api/v1/workspaces/eu-prod/agents",
            &eu_viewer,
            &hangar_wire::RegisterAgent {
                name: "x".into(),
                artifact_bucket: None,
            },
        )
        .await;
    assert_eq!(r.status, 403);
    let eu_job: hangar_wire::Job = queue(c, &eu_op, "eu-prod", apply()).await.json();
    assert_eq!(
        c.get(&format!("/api/v1/jobs/{}", eu_job.id), &eu_viewer)
            .await
            .status,
        200
    );
    let r = c
        .post(
            "/api/v1/workspaces",
            &eu_op,
            &hangar_wire::CreateWorkspace {
                name: "eu-dev".into(),
                cloud: "aws".into(),
                geography: "eu".into(),
                region: "eu-west-1".into(),
                buckets: vec![],
            },
        )
        .await;
    assert_eq!(r.status, 403, "only admins create workspaces");

    // An agent sees and updates only its own workspace's jobs.
    let eu_agent = Agent::register(c, &eu_op, "eu-prod", "eu-agent").await;
    let us_agent = Agent::register(c, &s.admin, "us-prod", "us-agent").await;
    let own: JobList = c
        .get("/api/v1/workspaces/eu-prod/jobs", &eu_agent.token)
        .await
        .json();
    assert_eq!(own.jobs.len(), 1);
    for path in [
        "/api/v1/workspaces/us-prod/jobs".to_string(),
        format!("/api/v1/jobs/{}", us_job.id),
        "/api/v1/workspaces/us-prod".to_string(),
    ] {
        let r = c.get(&path, &eu_agent.token).await;
        assert_eq!(r.status, 403, "{path}: {}", r.text());
    }
    let us_claim = us_agent.claim(0).await.expect("us agent claims the us job");
    assert_eq!(us_claim.id, us_job.id);
    // Even holding the US lease, the EU agent cannot report on the US job.
    let r = c
        .post(
            &format!("/api/v1/agent/jobs/{}/progress", us_job.id),
            &eu_agent.token,
            &JobProgress {
                lease: us_claim.lease.clone(),
                summary: None,
            },
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    let r = eu_agent
        .outcome(
            us_job.id,
            &us_claim.lease,
            hangar_wire::JobStatus::Succeeded,
            applied_summary(),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(
        queue(c, &eu_agent.token, "eu-prod", apply()).await.status,
        403,
        "agents do not queue"
    );
    assert_eq!(
        eu_agent.claim(0).await.map(|j| j.id),
        Some(eu_job.id),
        "its own job only"
    );
    // People are not agents.
    let r = c
        .post_raw(
            "/api/v1/agent/heartbeat",
            &eu_op,
            br#"{"protocol":1,"agent_version":"1"}"#,
        )
        .await;
    assert_eq!(r.status, 403);

    // No token, a malformed header, an unknown token: 401.
    assert_eq!(
        c.send("GET", "/api/v1/workspaces", None, Vec::new())
            .await
            .status,
        401
    );
    assert_eq!(
        c.get("/api/v1/workspaces", "hgr_user_0000").await.status,
        401
    );
    let r = c.get("/api/v1/whoami", "").await;
    assert_eq!(r.status, 401);
    assert!(r.message().contains("malformed"), "{}", r.message());
    let who: WhoAmI = c.get("/api/v1/whoami", &eu_agent.token).await.json();
    assert_eq!(who.workspace.as_deref(), Some("eu-prod"));
    s.running.shutdown().await.expect("shutdown");
}
both!(tokens_see_and_do_only_what_their_grants_allow, matrix);

async fn revocation(backend: Backend) {
    let db = Db::new(backend);
    let s = start(&db).await;
    let c = &s.client;
    eu_and_us(c, &s.admin).await;
    let (id, token) = user_token(c, &s.admin, "bob", &[("eu-prod", Role::Operator)]).await;
    assert_eq!(
        c.get("/api/v1/workspaces/eu-prod", &token).await.status,
        200
    );
    let r = c.delete(&format!("/api/v1/tokens/{id}"), &s.admin).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json::<hangar_wire::TokenRevoked>().revoked);
    let r = c.get("/api/v1/workspaces/eu-prod", &token).await;
    assert_eq!(r.status, 401, "revoked on the next request");
    assert!(r.message().contains("revoked"), "{}", r.message());
    assert_eq!(queue(c, &token, "eu-prod", apply()).await.status, 401);
    let again = c.delete(&format!("/api/v1/tokens/{id}"), &s.admin).await;
    assert!(!again.json::<hangar_wire::TokenRevoked>().revoked);
    assert_eq!(
        c.delete("/api/v1/tokens/999999", &s.admin).await.status,
        404
    );

    // Registering an agent again rotates its token: the old one, replayed, is refused.
    let first = Agent::register(c, &s.admin, "eu-prod", "eu-agent").await;
    assert_eq!(first.heartbeat().await.status, 200);
    let second = Agent::register(c, &s.admin, "eu-prod", "eu-agent").await;
    assert_eq!(second.id, first.id, "the same agent");
    let r = first.heartbeat().await;
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(second.heartbeat().await.status, 200);

    // Revoking an agent's token stops it too, and the agent shows as revoked.
    let tokens: hangar_wire::TokenList = c.get("/api/v1/tokens", &s.admin).await.json();
    let agent_token = tokens
        .tokens
        .iter()
        .find(|t| t.kind == hangar_wire::TokenKind::Agent && t.revoked_at.is_none())
        .expect("the agent's live token");
    assert!(
        tokens.tokens.iter().all(|t| !serde_json::to_string(t)
            .unwrap_or_default()
            .contains("hgr_")),
        "listings carry no secrets"
    );
    assert_eq!(
        c.delete(&format!("/api/v1/tokens/{}", agent_token.id), &s.admin)
            .await
            .status,
        200
    );
    assert_eq!(second.heartbeat().await.status, 401);
    let agents: hangar_wire::AgentList = c
        .get("/api/v1/workspaces/eu-prod/agents", &s.admin)
        .await
        .json();
    assert_eq!(agents.agents[0].health, hangar_wire::AgentHealth::Revoked);

    // An operator deregisters an agent (what destroying a hangar_agent does): its token is
    // revoked, it stays listed as revoked; a viewer cannot, and an unknown agent is 404.
    let third = Agent::register(c, &s.admin, "eu-prod", "eu-agent").await;
    assert_eq!(third.heartbeat().await.status, 200);
    let (_, viewer) = user_token(c, &s.admin, "vic", &[("eu-prod", Role::Viewer)]).await;
    let (_, operator) = user_token(c, &s.admin, "olga", &[("eu-prod", Role::Operator)]).await;
    let path = "/api/v1/workspaces/eu-prod/agents/eu-agent";
    assert_eq!(c.delete(path, &viewer).await.status, 403);
    assert_eq!(third.heartbeat().await.status, 200, "still registered");
    let r = c.delete(path, &operator).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let gone: hangar_wire::AgentDeregistered = r.json();
    assert!(gone.revoked && gone.id == third.id && gone.name == "eu-agent");
    assert_eq!(third.heartbeat().await.status, 401);
    assert!(
        !c.delete(path, &operator)
            .await
            .json::<hangar_wire::AgentDeregistered>()
            .revoked
    );
    assert_eq!(
        c.delete("/api/v1/workspaces/eu-prod/agents/nobody", &operator)
            .await
            .status,
        404
    );

    // Tokens are stored hashed only.
    let stored = db.sql("SELECT hash FROM tokens").expect("tokens");
    assert!(stored
        .iter()
        .flatten()
        .flatten()
        .all(|h| h.len() == 64 && !h.starts_with("hgr_")));
    assert!(!stored
        .iter()
        .flatten()
        .flatten()
        .any(|h| *h == second.token || *h == token));
    s.running.shutdown().await.expect("shutdown");
}
both!(revoked_and_superseded_tokens_are_refused, revocation);
