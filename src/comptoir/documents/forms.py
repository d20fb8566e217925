from django import forms
from django.utils.translation import gettext_lazy as _

from comptoir.core.forms import ServiceForm
from comptoir.documents.folders import FiscalYear, folder_choices, month_label


def _file_field() -> forms.FileField:
    # Empty files reach the service, whose message says what to do. A missing file is often a
    # file Django dropped because nothing was left of its name ("..", invisible characters).
    return forms.FileField(
        label=_("File"),
        allow_empty_file=True,
        widget=forms.FileInput(),
        error_messages={
            "required": _(
                "Choose a file to upload. If you chose one, its name could not be read (only "
                "dots or invisible characters): rename it and upload it again."
            )
        },
    )


class DocumentUploadForm(ServiceForm):
    """Upload a document: the file and where to file it (folder, fiscal year, month)."""

    file = _file_field()
    folder = forms.ChoiceField(label=_("Folder"))
    fiscal_year = forms.ChoiceField(label=_("Fiscal year"), required=False)
    month = forms.ChoiceField(
        label=_("Month"),
        required=False,
        help_text=_("Leave empty to file the document at the root of the fiscal year."),
    )
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=200,
        help_text=_("Optional: the file's name is used otherwise."),
    )

    def __init__(self, *args, fiscal_years: list[FiscalYear], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["folder"].choices = folder_choices()
        self.fields["fiscal_year"].choices = [
            (year.start.isoformat(), year.label) for year in fiscal_years
        ]
        self.fields["month"].choices = [("", _("No month (fiscal year root)"))] + [
            (
                year.label,
                [(m.strftime("%Y-%m"), month_label(m, year)) for m in year.months],
            )
            for year in fiscal_years
        ]


class VersionUploadForm(ServiceForm):
    """Upload a new version of a document."""

    file = _file_field()
