"""
Every write of the forum goes through these functions.

They check permissions (``check_*``), validate, save in one transaction and
emit events that are delivered after commit. Views and consumers call them
and hold no business rules of their own. The package is split by domain;
callers import from ``forum.services``.
"""

from ._common import log_action
from .accounts import PROFILE_FIELDS, set_preferred_language, sign_up, update_profile
from .communities import (
    accept_invitation,
    change_member_role,
    create_invitation,
    deactivate_user,
    decide_join_request,
    find_invitation,
    leave_community,
    remove_member,
    render_description,
    request_to_join,
    revoke_invitation,
)
from .notifications import (
    follow_community,
    mark_all_notifications_read,
    mark_notification_read,
    notify_users,
    unfollow_community,
)
from .sanctions import (
    DURATIONS,
    ban_from_site,
    lift_sanction,
    lift_site_ban,
    list_sanctions_in_force,
    on_exclusion,
    sanction_member,
    site_ban_of,
)
from .threads import (
    create_post,
    create_thread,
    delete_post,
    edit_post,
    hide_post,
    move_thread,
    rename_thread,
    restore_post,
    retag_thread,
    set_thread_locked,
    set_thread_pinned,
)

__all__ = [
    "DURATIONS",
    "PROFILE_FIELDS",
    "ban_from_site",
    "lift_sanction",
    "lift_site_ban",
    "list_sanctions_in_force",
    "on_exclusion",
    "sanction_member",
    "site_ban_of",
    "accept_invitation",
    "change_member_role",
    "create_invitation",
    "create_post",
    "create_thread",
    "deactivate_user",
    "decide_join_request",
    "delete_post",
    "edit_post",
    "find_invitation",
    "follow_community",
    "hide_post",
    "leave_community",
    "log_action",
    "mark_all_notifications_read",
    "mark_notification_read",
    "move_thread",
    "notify_users",
    "remove_member",
    "rename_thread",
    "render_description",
    "request_to_join",
    "restore_post",
    "retag_thread",
    "revoke_invitation",
    "set_thread_locked",
    "set_preferred_language",
    "set_thread_pinned",
    "sign_up",
    "unfollow_community",
    "update_profile",
]
