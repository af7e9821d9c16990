"""the language a response is answered in (a BCP 47 tag; null: the questionnaire's own)

Revision ID: 0009_response_language
Revises: 0008_mail_outbox
Create Date: 2026-12-02 07:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_response_language'
down_revision = '0008_mail_outbox'
branch_labels = None
depends_on = None


def upgrade():
    # plain ALTER TABLE (SQLite 3.35+ and PostgreSQL), as 0008: no batch copy of response
    op.add_column('response', sa.Column('language', sa.String(length=35), nullable=True))


def downgrade():
    op.drop_column('response', 'language')
