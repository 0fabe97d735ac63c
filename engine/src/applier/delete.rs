//! Deleting: one object at a time through its provider, and the walk that deletes every
//! planned object in reverse dependency order once creates and updates are done.

use super::*;

impl Run<'_> {
    /// Deletes one object and forgets it (unless a replacement already took its place).
    pub(super) async fn delete_one(
        &self,
        c: &ResourceChange,
        provider: &Arc<GatedProvider>,
        prior: Value,
        deposed: bool,
    ) -> Option<()> {
        let addr = c.addr.to_string();
        let operation = if deposed {
            Operation::DestroyDeposed
        } else {
            Operation::Destroy
        };
        let id = id_of(&prior);
        let req = ApplyRequest {
            type_name: c.addr.resource.type_.clone(),
            prior: Some(prior),
            planned: None,
            context: OperationContext {
                address: addr.clone(),
                workspace: self.a.plan.workspace.clone(),
                token: uuid::Uuid::new_v4().to_string(),
            },
            config: None,
            private: Vec::new(),
        };
        let token = req.context.token.clone();
        self.journal(JournalEntry::Intent {
            token: token.clone(),
            addr: addr.clone(),
            action: "delete".into(),
            planned: None,
        })
        .await?;
        let (result, started) = watched(
            self.a.events,
            &addr,
            operation,
            Some(id),
            provider.delete(req),
        )
        .await;
        if let Err(e) = result {
            self.cloud_error(c, "deleting", &e);
            self.journal(JournalEntry::Outcome { token }).await;
            return None;
        }
        if deposed {
            self.journal(JournalEntry::Outcome { token }).await?;
        }
        if !deposed {
            if let Err(e) = self
                .a
                .writer
                .write(vec![JournalEntry::Remove { addr: addr.clone() }])
                .await
            {
                self.error(Diagnostic::error(
                    "Failed to persist state",
                    format!("{addr}: {e}"),
                ));
                return None;
            }
        }
        finished(self.a.events, &addr, operation, None, started);
        self.destroyed.fetch_add(1, Ordering::SeqCst);
        Some(())
    }

    pub(super) async fn delete_walk(&self) {
        let deletes: Vec<&ResourceChange> = self
            .a
            .plan
            .resource_changes
            .iter()
            .filter(|c| c.action == Action::Delete)
            .collect();
        if deletes.is_empty() {
            return;
        }
        // Dependencies name resources as configuration does (`module.m.x.y`, no instance keys),
        // so instances inside counted modules (`module.m[0].x.y`) are matched by static form.
        let mut by_resource: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in deletes.iter().enumerate() {
            by_resource
                .entry(c.addr.resource.static_form().to_string())
                .or_default()
                .push(i);
        }
        let mut deps: Vec<Vec<usize>> = vec![Vec::new(); deletes.len()];
        for (j, ds) in deletes.iter().map(|c| &c.dependencies).enumerate() {
            for d in ds {
                for &i in by_resource.get(d).into_iter().flatten() {
                    if i != j {
                        deps[i].push(j);
                    }
                }
            }
        }
        let deletes = &deletes;
        run_dag(&deps, self.a.stop, true, |i| async move {
            let c = deletes[i];
            let (name, alias) = parse_provider_addr(&c.provider);
            let p = ProviderRef { name, alias };
            let provider = match self.provider(&p) {
                Some(p) => p,
                None => {
                    match configure_provider(
                        self.a.cfg,
                        self.a.registry,
                        self.a.gate,
                        &p,
                        &Values::default(),
                    )
                    .await
                    {
                        Ok(p) => p,
                        Err(d) => {
                            self.errors(d);
                            return false;
                        }
                    }
                }
            };
            let Ok(_permit) = self.sem.acquire().await else {
                return false;
            };
            if self.a.stop.load(Ordering::SeqCst) {
                return false;
            }
            let prior = c
                .before
                .as_ref()
                .map(|b| b.value.clone())
                .unwrap_or(Value::NULL);
            self.delete_one(c, &provider, prior, false).await.is_some()
        })
        .await;
    }
}
