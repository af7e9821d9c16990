"""researchers' answer edits with a field-level change log

Edits build on the submitted answers (never changing them): one row per changed answer key
with the value it was made over, the old and new values, who, when and why (survey/models.py
AnswerEdit).

Revision ID: 0007_answer_edits
Revises: 0006_s18_jobs_and_snapshots
Create Date: 2026-12-02 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_answer_edits'
down_revision = '0006_s18_jobs_and_snapshots'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('answer_edit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('submitted', sa.JSON(), nullable=True),
    sa.Column('old_value', sa.JSON(), nullable=True),
    sa.Column('new_value', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('edited_by', sa.String(length=300), nullable=False),
    sa.Column('edited_at', sa.DateTime(), nullable=False),
    sa.Column('response_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('answer_edit', schema=None) as batch_op:
        batch_op.create_index('ix_answer_edit_response', ['response_id', 'key'], unique=False)


def downgrade():
    with op.batch_alter_table('answer_edit', schema=None) as batch_op:
        batch_op.drop_index('ix_answer_edit_response')
    op.drop_table('answer_edit')
