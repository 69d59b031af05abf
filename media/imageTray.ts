// Images for the next request: pasted into the request box, dropped on it, or picked with the Image
// button. Shown as thumbnails with a remove button; sent with the request and then cleared. The
// extension checks the model takes images and the trust gate their size.
import { MAX_IMAGES, type ImageAttachment } from '../src/panel/protocol';
import { button, h } from './dom';

const TYPES: readonly ImageAttachment['mimeType'][] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

function readAsBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error(`could not read ${file.name}`));
    reader.readAsDataURL(file);
  });
}

export class ImageTray {
  readonly element: HTMLElement;
  readonly pickButton: HTMLButtonElement;
  private readonly picker: HTMLInputElement;
  private readonly problem: HTMLElement;
  private images: ImageAttachment[] = [];
  private pasted = 0;

  constructor() {
    this.element = h('div', {
      className: 'image-tray',
      role: 'group',
      'aria-label': 'Images sent with the request',
    });
    this.problem = h('p', { className: 'note image-problem', role: 'status' });
    this.problem.hidden = true;
    this.picker = h('input', {
      type: 'file',
      accept: TYPES.join(','),
      multiple: true,
      className: 'hidden-picker',
    });
    this.picker.hidden = true;
    this.picker.addEventListener('change', () => {
      void this.add([...(this.picker.files ?? [])]);
      this.picker.value = '';
    });
    this.pickButton = button('Image…', () => this.picker.click(), {
      ariaLabel: 'Attach an image (or paste / drop one into the request box)',
    });
  }

  /** The picker input and the problem line, to place in the composer. */
  get parts(): HTMLElement[] {
    return [this.picker, this.problem];
  }

  /** Wires paste on the request box and drag-and-drop on the composer. */
  listen(input: HTMLTextAreaElement, dropZone: HTMLElement): void {
    input.addEventListener('paste', (event) => {
      const files = [...(event.clipboardData?.files ?? [])].filter((file) => file.type.startsWith('image/'));
      if (files.length === 0) return;
      event.preventDefault();
      void this.add(files);
    });
    dropZone.addEventListener('dragover', (event) => {
      if (![...(event.dataTransfer?.items ?? [])].some((item) => item.kind === 'file')) return;
      event.preventDefault();
      dropZone.classList.add('dropping');
    });
    dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dropping'));
    dropZone.addEventListener('drop', (event) => {
      dropZone.classList.remove('dropping');
      const files = [...(event.dataTransfer?.files ?? [])];
      if (files.length === 0) return;
      event.preventDefault();
      void this.add(files);
    });
  }

  /** The images to send; the tray empties. */
  take(): ImageAttachment[] | undefined {
    const taken = this.images;
    this.images = [];
    this.render();
    return taken.length ? taken : undefined;
  }

  private async add(files: File[]): Promise<void> {
    const problems: string[] = [];
    for (const file of files) {
      if (!(TYPES as readonly string[]).includes(file.type)) {
        problems.push(`${file.name || 'The file'} is not a PNG, JPEG, GIF or WebP image.`);
        continue;
      }
      if (this.images.length >= MAX_IMAGES) {
        problems.push(`At most ${MAX_IMAGES} images go with one request.`);
        break;
      }
      // A pasted screenshot has no useful name ("image.png"): number it.
      const name = file.name && file.name !== 'image.png' ? file.name : `pasted image ${++this.pasted}.png`;
      try {
        this.images.push({
          name,
          mimeType: file.type as ImageAttachment['mimeType'],
          data: await readAsBase64(file),
        });
      } catch (error) {
        problems.push(`${name} could not be read: ${String(error)}`);
      }
    }
    this.problem.textContent = problems.join(' ');
    this.problem.hidden = problems.length === 0;
    this.render();
  }

  private render(): void {
    const items = this.images.map((image, index) =>
      h(
        'figure',
        { className: 'image-chip', title: image.name },
        h('img', { src: `data:${image.mimeType};base64,${image.data}`, alt: image.name }),
        button(
          '×',
          () => {
            this.images.splice(index, 1);
            this.render();
          },
          { className: 'remove', ariaLabel: `Remove ${image.name}` },
        ),
      ),
    );
    this.element.replaceChildren(...items);
    this.element.hidden = items.length === 0;
  }
}
