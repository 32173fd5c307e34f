from django.core.management.base import BaseCommand

from forum.search import rebuild_index


class Command(BaseCommand):
    help = (
        "Write the search index again from the database (threads, posts, organisations, webinars)."
    )

    def handle(self, *args, **options) -> None:
        written = rebuild_index()
        self.stdout.write(f"{written} entries written.")
