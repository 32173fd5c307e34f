"""
Every write of the forum goes through these functions.

They check permissions (``check_*``), validate, save in one transaction and
emit events that are delivered after commit. Views and consumers call them
and hold no business rules of their own. The package is split by domain;
callers import from ``forum.services``.
"""

from ._common import log_action
from .account_data import delete_account
from .accounts import (
    PROFILE_FIELDS,
    check_display_name,
    set_preferred_language,
    sign_up,
    update_profile,
)
from .attachments import set_transcript
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
from .feeds import get_or_create_feed_token, reset_feed_token
from .follows import (
    follow_community,
    set_thread_follow,
    unfollow_community,
    unfollow_thread,
)
from .notifications import (
    mark_all_notifications_read,
    mark_notification_read,
    notify_users,
)
from .reading import mark_community_read, record_reading
from .reports import report_item, resolve_case, update_review_settings
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
from .thread_tools import close_thread, merge_threads, set_thread_slow_mode, split_thread
from .threads import (
    approve_post,
    auto_hide_post,
    create_post,
    create_thread,
    delete_post,
    edit_post,
    hide_post,
    move_thread,
    refuse_post,
    rename_thread,
    restore_post,
    retag_thread,
    set_thread_locked,
    set_thread_pinned,
)

__all__ = [
    "mark_community_read",
    "record_reading",
    "DURATIONS",
    "PROFILE_FIELDS",
    "approve_post",
    "auto_hide_post",
    "refuse_post",
    "report_item",
    "resolve_case",
    "check_display_name",
    "delete_account",
    "get_or_create_feed_token",
    "reset_feed_token",
    "ban_from_site",
    "lift_sanction",
    "lift_site_ban",
    "list_sanctions_in_force",
    "on_exclusion",
    "sanction_member",
    "site_ban_of",
    "accept_invitation",
    "change_member_role",
    "close_thread",
    "create_invitation",
    "create_post",
    "set_transcript",
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
    "merge_threads",
    "move_thread",
    "notify_users",
    "set_thread_follow",
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
    "set_thread_slow_mode",
    "sign_up",
    "split_thread",
    "unfollow_community",
    "unfollow_thread",
    "update_profile",
    "update_review_settings",
]
