"""the page a respondent pressed "Save and return later" on: the link leads back there

Revision ID: 0010_r17_resume_page
Revises: 0009_response_language
Create Date: 2026-12-02 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_r17_resume_page'
down_revision = '0009_response_language'
branch_labels = None
depends_on = None


def upgrade():
    # plain ALTER TABLE (SQLite 3.35+ and PostgreSQL), as 0008 and 0009: no batch copy of response
    op.add_column('response', sa.Column('resume_page', sa.String(length=100), nullable=True))


def downgrade():
    op.drop_column('response', 'resume_page')
