"""The upload form: a file, and the columns (if any) the uploader asks to be ignored."""

from django import forms

from inspect_app.uploads.receiving import max_bytes

ACCEPTED_EXTENSIONS = (".csv", ".xlsx")


class BatchUploadForm(forms.Form):
    file = forms.FileField(
        label="Batch file",
        help_text="A CSV file saved as “CSV UTF-8”, or an Excel workbook (.xlsx).",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_EXTENSIONS)}),
        error_messages={"required": "Choose a CSV or XLSX file to upload"},
    )
    ignore_columns = forms.CharField(
        label="Columns to ignore (optional)",
        help_text="Names of extra columns to leave out, separated by commas. "
        "Any other column not in the format is an error.",
        required=False,
        max_length=1000,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ACCEPTED_EXTENSIONS):
            raise forms.ValidationError("The file must be a .csv or an .xlsx file")
        # Refused before a byte of it is read.
        if upload.size > max_bytes():
            raise forms.ValidationError(
                f"The file is {upload.size / 1048576:,.1f} MB; the most that can be uploaded "
                f"is {max_bytes() / 1048576:,.1f} MB: split it into smaller batches"
            )
        return upload

    def clean_ignore_columns(self):
        text = self.cleaned_data["ignore_columns"]
        return [name.strip() for name in text.split(",") if name.strip()]
