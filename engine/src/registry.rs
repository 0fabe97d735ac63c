//! The one list of providers Hangar knows, by local name.
//!
//! Cloud providers are separate crates behind cargo features and are registered here and only
//! here; the engine never names a cloud SDK type.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use hangar_provider::{Provider, ResourceSchema, Schema};

/// Providers by local name, with their schemas computed once.
pub struct Registry {
    providers: BTreeMap<&'static str, (Arc<dyn Provider>, Schema)>,
    /// Names of the started plugins (every other provider is built in).
    plugins: BTreeSet<&'static str>,
}

impl Registry {
    /// Every provider built into this binary.
    pub fn builtin() -> Registry {
        #[cfg_attr(
            not(any(feature = "aws", feature = "gcp", feature = "azure")),
            allow(unused_mut)
        )]
        let mut list: Vec<Arc<dyn Provider>> = vec![
            Arc::new(hangar_provider_builtin::TerraformProvider),
            Arc::new(hangar_provider_builtin::TimeProvider),
            Arc::new(hangar_provider_hangar::HangarProvider),
        ];
        #[cfg(feature = "aws")]
        list.push(Arc::new(hangar_provider_aws::AwsProvider));
        #[cfg(feature = "gcp")]
        list.push(Arc::new(hangar_provider_google::GoogleProvider));
        #[cfg(feature = "azure")]
        list.push(Arc::new(hangar_provider_azurerm::AzurermProvider));
        let providers = list
            .into_iter()
            .map(|p| (p.name(), (p.clone(), p.schema())))
            .collect();
        Registry {
            providers,
            plugins: BTreeSet::new(),
        }
    }

    /// Every built-in provider plus started plugins (a plugin never replaces a built-in name).
    pub fn with_plugins(plugins: Vec<Arc<dyn Provider>>) -> Registry {
        let mut r = Registry::builtin();
        for p in plugins {
            if r.providers.contains_key(p.name()) {
                continue;
            }
            r.plugins.insert(p.name());
            r.providers.insert(p.name(), (p.clone(), p.schema()));
        }
        r
    }

    /// The provider called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn Provider>> {
        self.providers.get(name).map(|(p, _)| p)
    }

    /// The schema of provider `name`.
    pub fn schema(&self, name: &str) -> Option<&Schema> {
        self.providers.get(name).map(|(_, s)| s)
    }

    /// The schema of a resource (or data source when `data`) type of provider `name`.
    pub fn resource_schema(&self, name: &str, type_: &str, data: bool) -> Option<&ResourceSchema> {
        let s = self.schema(name)?;
        if data {
            s.data_sources.get(type_)
        } else {
            s.resources.get(type_)
        }
    }

    /// Whether provider `name` is a started plugin rather than a built-in provider.
    pub fn is_plugin(&self, name: &str) -> bool {
        self.plugins.contains(name)
    }

    /// Names of all providers.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.providers.keys().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A provider that is only a name, standing in for a started plugin.
    struct Named(&'static str);

    #[async_trait::async_trait]
    impl Provider for Named {
        fn name(&self) -> &'static str {
            self.0
        }

        fn schema(&self) -> Schema {
            Schema::default()
        }

        async fn configure(
            &self,
            _req: hangar_provider::ConfigureRequest,
        ) -> Result<Box<dyn hangar_provider::ConfiguredProvider>, hangar_core::Diagnostics>
        {
            Err(hangar_core::Diagnostics::new())
        }
    }

    #[test]
    fn plugins_are_known_as_plugins_and_never_replace_built_in_names() {
        let r = Registry::with_plugins(vec![Arc::new(Named("awsplugin")), Arc::new(Named("time"))]);
        assert!(r.is_plugin("awsplugin"));
        assert!(r.get("awsplugin").is_some());
        // `time` stays the built-in provider, which is not a plugin.
        assert!(!r.is_plugin("time"));
        assert!(!r.get("time").expect("time").schema().resources.is_empty());
        assert!(!r.is_plugin("terraform"));
        assert!(!Registry::builtin().is_plugin("awsplugin"));
    }
}
