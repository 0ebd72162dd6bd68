"""Tables of slack_sdk's installation and OAuth state stores, so Alembic owns them too."""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData

slack_metadata = MetaData()
installations_table = SQLAlchemyInstallationStore.build_installations_table(
    slack_metadata, SQLAlchemyInstallationStore.default_installations_table_name
)
bots_table = SQLAlchemyInstallationStore.build_bots_table(
    slack_metadata, SQLAlchemyInstallationStore.default_bots_table_name
)
oauth_states_table = SQLAlchemyOAuthStateStore.build_oauth_states_table(
    slack_metadata, SQLAlchemyOAuthStateStore.default_table_name
)
