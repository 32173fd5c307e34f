from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError

from .models import Community, Membership, ModerationAction, Organisation, Region, Tag, User
from .services import check_display_name, deactivate_user, render_description


class DisplayNameRules:
    """The admin is one more door: the display name follows the services' rules."""

    def clean_display_name(self):
        try:
            return check_display_name(self.cleaned_data["display_name"], user=self.instance)
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["display_name"]) from None


class AdminUserChangeForm(DisplayNameRules, UserChangeForm):
    pass


class AdminUserAddForm(DisplayNameRules, AdminUserCreationForm):
    pass


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = AdminUserChangeForm
    add_form = AdminUserAddForm
    list_display = ["username", "display_name", "region", "organisation", "is_staff", "is_active"]
    list_filter = ["region", "is_staff", "is_active"]
    search_fields = ["username", "display_name", "email"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (
            "Jɛkafɔ",
            {
                "fields": [
                    "display_name",
                    "phone",
                    "region",
                    "organisation",
                    "preferred_language",
                    "bio",
                    "show_organisation",
                    "show_region",
                    "show_activity",
                ]
            },
        ),
    )
    readonly_fields = ["deleted_at"]
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        ("Jɛkafɔ", {"fields": ["display_name", "region", "organisation"]}),
    )
    actions = ["deactivate"]

    @admin.action(description="Désactiver (bannir) et couper les connexions en direct")
    def deactivate(self, request, queryset):
        for user in queryset.filter(is_active=True).exclude(pk=request.user.pk):
            deactivate_user(staff=request.user, user=user)

    def save_model(self, request, obj, form, change):
        banned = change and "is_active" in form.changed_data and not obj.is_active
        if banned:
            # The service closes the account's live connections as well.
            obj.is_active = True
        super().save_model(request, obj, form, change)
        if banned:
            deactivate_user(staff=request.user, user=obj)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "acronym", "kind", "city"]
    list_filter = ["kind", "regions"]
    search_fields = ["name", "acronym"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["regions"]

    def save_model(self, request, obj, form, change):
        obj.description_html = render_description(obj.description)
        super().save_model(request, obj, form, change)


class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "visibility", "created_at"]
    list_filter = ["visibility"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["regions"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        obj.description_html = render_description(obj.description)
        super().save_model(request, obj, form, change)


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "community", "actor", "kind", "thread", "target_user"]
    list_filter = ["kind", "community"]
    readonly_fields = [f.name for f in ModerationAction._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(Tag)
