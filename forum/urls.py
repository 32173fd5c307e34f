from django.contrib.auth import views as auth_views
from django.urls import path, register_converter

from . import (
    account_views,
    data_views,
    email_views,
    feed_views,
    file_views,
    live_views,
    member_views,
    offline_views,
    report_views,
    unread_views,
    views,
)
from .search import views as search_views


class UnicodeSlugConverter:
    """A slug that may hold accented letters ("stratégie-secrète"), and never a NUL byte."""

    regex = r"[-\w]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UnicodeSlugConverter, "uslug")

urlpatterns = [
    path("", views.home, name="home"),
    # At the root, so that the service worker's scope is the whole site.
    path("sw.js", offline_views.service_worker, name="service_worker"),
    path("manifest.webmanifest", offline_views.manifest, name="manifest"),
    path("hors-ligne/", offline_views.offline, name="offline"),
    # Communities
    path("communautes/<slug:slug>/", views.community_detail, name="community"),
    path("communautes/<slug:slug>/rejoindre/", views.community_join, name="community_join"),
    path("communautes/<slug:slug>/quitter/", views.community_leave, name="community_leave"),
    path("communautes/<slug:slug>/membres/", views.community_members, name="community_members"),
    path(
        "communautes/<slug:slug>/membres/<int:membership_id>/role/",
        views.member_role,
        name="member_role",
    ),
    path(
        "communautes/<slug:slug>/membres/<int:membership_id>/retirer/",
        member_views.member_remove,
        name="member_remove",
    ),
    path(
        "communautes/<slug:slug>/membres/<int:membership_id>/sanction/",
        member_views.member_sanction,
        name="member_sanction",
    ),
    path(
        "communautes/<slug:slug>/sanctions/<int:sanction_id>/lever/",
        member_views.sanction_lift,
        name="sanction_lift",
    ),
    path("equipe/exclusions/", member_views.site_bans, name="site_bans"),
    path("equipe/comptes/<int:user_id>/exclusion/", member_views.site_ban, name="site_ban"),
    path("communautes/<slug:slug>/demandes/", views.join_requests, name="join_requests"),
    path(
        "communautes/<slug:slug>/demandes/<int:request_id>/",
        views.join_request_decide,
        name="join_request_decide",
    ),
    path("communautes/<slug:slug>/invitations/", views.invitations, name="invitations"),
    path(
        "communautes/<slug:slug>/invitations/<int:invitation_id>/revoquer/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("communautes/<slug:slug>/journal/", views.moderation_log, name="moderation_log"),
    # Reports, review queue, pre-moderation
    path("communautes/<slug:slug>/signalements/", report_views.review_queue, name="review_queue"),
    path(
        "communautes/<slug:slug>/signalements/reglages/",
        report_views.review_settings,
        name="review_settings",
    ),
    path("moderation/signalements/", report_views.review_queue_all, name="review_queue_all"),
    path("signalements/<int:pk>/decision/", report_views.case_resolve, name="case_resolve"),
    path("signaler/<str:kind>/<int:pk>/", report_views.report, name="report"),
    path("communautes/<slug:slug>/nouvelle-discussion/", views.thread_create, name="thread_create"),
    path("communautes/<slug:slug>/suivre/", live_views.community_follow, name="community_follow"),
    path(
        "communautes/<slug:slug>/membres.json",
        live_views.mention_candidates,
        name="mention_candidates",
    ),
    path("invitation/<uslug:token>/", views.invitation_accept, name="invitation"),
    # Unread (forum/unread_views.py)
    path("nouveautes/", unread_views.whats_new, name="whats_new"),
    path(
        "communautes/<slug:slug>/tout-lu/",
        unread_views.community_mark_read,
        name="community_mark_read",
    ),
    # Under actions/: a thread's slug may be anything, even "premier-non-lu".
    path(
        "discussions/<int:pk>/actions/premier-non-lu/",
        unread_views.thread_unread,
        name="thread_unread",
    ),
    path(
        "discussions/<int:pk>/actions/lu/",
        unread_views.thread_read_live,
        name="thread_read_live",
    ),
    # Threads and posts
    path("discussions/<int:pk>/fusionner/", views.thread_merge, name="thread_merge"),
    path("discussions/<int:pk>/", views.thread_detail, name="thread_short"),
    path("discussions/<int:pk>/<str:slug>/", views.thread_detail, name="thread"),
    path("discussions/<int:pk>/actions/repondre/", views.thread_reply, name="thread_reply"),
    path("discussions/<int:pk>/actions/suivre/", live_views.thread_follow, name="thread_follow"),
    path(
        "discussions/<int:pk>/actions/<str:action>/", views.thread_moderate, name="thread_moderate"
    ),
    path("messages/<int:pk>/", views.post_redirect, name="post"),
    path("messages/<int:pk>/repondre/", views.post_reply, name="post_reply"),
    path("messages/<int:pk>/modifier/", views.post_edit, name="post_edit"),
    path("messages/<int:pk>/supprimer/", views.post_delete, name="post_delete"),
    path("messages/<int:pk>/historique/", views.post_history, name="post_history"),
    path("messages/<int:pk>/masquer/", views.post_hide, name="post_hide"),
    path("messages/<int:pk>/retablir/", views.post_restore, name="post_restore"),
    path("messages/<int:pk>/scinder/", views.post_split, name="post_split"),
    path(
        "messages/<int:pk>/fichiers/<int:file_id>/",
        file_views.post_file,
        name="post_file",
    ),
    path(
        "messages/<int:pk>/fichiers/<int:file_id>/apercu/",
        file_views.post_file_preview,
        name="post_file_preview",
    ),
    path(
        "messages/<int:pk>/fichiers/<int:file_id>/transcription/",
        file_views.post_file_transcript,
        name="post_file_transcript",
    ),
    path("messages/<int:pk>/valider/", report_views.post_approve, name="post_approve"),
    path("messages/<int:pk>/refuser/", report_views.post_refuse, name="post_refuse"),
    # Notifications
    path("notifications/", live_views.notifications, name="notifications"),
    path("notifications/<int:pk>/", live_views.notification_open, name="notification"),
    path("notifications/tout-lu/", live_views.notifications_read_all, name="notifications_read"),
    path("notifications/compte/", live_views.notifications_count, name="notifications_count"),
    # Tags and organisations
    path("etiquettes/<uslug:slug>/", views.tag_detail, name="tag"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("recherche/", search_views.search_page, name="search"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation"),
    # Accounts
    path("compte/inscription/", views.signup, name="signup"),
    path("compte/connexion/", account_views.LoginView.as_view(), name="login"),
    path("compte/connexion/code/", account_views.login_code, name="login_code"),
    path("compte/deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("compte/profil/", views.profile_edit, name="profile_edit"),
    path("compte/mot-de-passe/", account_views.password_change, name="password_change"),
    path("compte/sessions/", account_views.sessions, name="sessions"),
    path("compte/abonnements/", live_views.follows, name="follows"),
    path(
        "compte/sessions/fermer-les-autres/",
        account_views.sessions_end_others,
        name="sessions_end_others",
    ),
    path("compte/sessions/<slug:handle>/fermer/", account_views.session_end, name="session_end"),
    path(
        "compte/mot-de-passe-oublie/",
        account_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "compte/mot-de-passe-oublie/envoye/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "compte/reinitialiser/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "compte/reinitialiser/termine/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path(
        "communautes/<slug:slug>/membres/<int:membership_id>/lien-mot-de-passe/",
        account_views.reset_link_issue,
        name="reset_link_issue",
    ),
    path("compte/nouveau-mot-de-passe/<uslug:token>/", account_views.reset_link, name="reset_link"),
    path("compte/double-authentification/", account_views.second_factor, name="second_factor"),
    path("web/", account_views.quick_exit_page, name="quick_exit"),
    path("compte/langue/", views.switch_language, name="switch_language"),
    path("membres/<int:pk>/", views.profile, name="profile"),
    # A member's own data (forum/data_views.py)
    path("compte/mes-donnees/", data_views.my_data, name="my_data"),
    path(
        "compte/mes-donnees/telecharger/",
        data_views.my_data_download,
        name="my_data_download",
    ),
    path("compte/supprimer/", data_views.account_delete, name="account_delete"),
    # Atom feeds (forum/feed_views.py)
    path("communautes/<slug:slug>/flux.atom", feed_views.community_feed, name="community_feed"),
    path("etiquettes/<uslug:slug>/flux.atom", feed_views.tag_feed, name="tag_feed"),
    path("flux/<str:token>.atom", feed_views.member_feed, name="member_feed"),
    path("compte/flux/", feed_views.feeds_page, name="feeds"),
    # Notifications by e-mail (forum/email_views.py)
    path("compte/e-mails/", email_views.email_settings, name="email_settings"),
    path(
        "compte/e-mails/desabonner/<uslug:token>/",
        email_views.email_unsubscribe,
        name="email_unsubscribe",
    ),
]
