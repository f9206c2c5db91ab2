from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "sambung.catalog"
    verbose_name = "Catalogue"

    def ready(self) -> None:
        # Let Pillow open HEIC photos from phones.
        from pillow_heif import register_heif_opener

        register_heif_opener()
