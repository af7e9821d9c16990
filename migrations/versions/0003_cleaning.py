"""cleaning decisions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 23:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cleaning_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=100), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target', sa.String(length=100), nullable=True),
    sa.Column('original', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=300), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cleaning_decision', schema=None) as batch_op:
        batch_op.create_index('ix_cleaning_decision_issue', ['response_id', 'rule', 'subject'], unique=False)
        batch_op.create_index(batch_op.f('ix_cleaning_decision_questionnaire_id'), ['questionnaire_id'], unique=False)


def downgrade():
    with op.batch_alter_table('cleaning_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cleaning_decision_questionnaire_id'))
        batch_op.drop_index('ix_cleaning_decision_issue')

    op.drop_table('cleaning_decision')
