"""the answers part of a submitted response's interchange line, encoded once with its snapshot

Revision ID: 0011_s18_interchange_part
Revises: 0010_r17_resume_page
Create Date: 2026-12-02 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_s18_interchange_part'
down_revision = '0010_r17_resume_page'
branch_labels = None
depends_on = None


def upgrade():
    # plain ALTER TABLE (SQLite 3.35+ and PostgreSQL), as 0008 to 0010; NULL until the snapshot
    # is made again (a submit, reopening, edit, or `survey snapshots`): the export then reads the
    # answer rows, as before
    op.add_column('response_snapshot', sa.Column('interchange_answers', sa.Text(), nullable=True))
    op.add_column('response_snapshot', sa.Column('interchange_off_route', sa.Text(), nullable=True))


def downgrade():
    op.drop_column('response_snapshot', 'interchange_off_route')
    op.drop_column('response_snapshot', 'interchange_answers')
