import type {
  TemplateContent,
  TemplateHead,
  TemplateVersion,
} from '../../../../functions/core/templates/model';
import type { TemplateRepository } from '../../../../functions/core/templates/ports';

/** TemplateRepository in memory, with the store's rules (versions never overwritten). */
export class MemoryTemplates implements TemplateRepository {
  heads = new Map<string, TemplateHead>();
  drafts = new Map<string, TemplateContent>();
  versions = new Map<string, TemplateVersion>();
  versionReads = 0;

  private id = (tenantId: string, key: string) => `${tenantId}/${key}`;

  async head(tenantId: string, key: string) {
    return this.heads.get(this.id(tenantId, key));
  }
  async draft(tenantId: string, key: string) {
    return this.drafts.get(this.id(tenantId, key));
  }
  async saveDraft(
    head: Omit<TemplateHead, 'latestVersion' | 'createdAt' | 'archivedAt'>,
    draft: TemplateContent,
  ) {
    const id = this.id(head.tenantId, head.key);
    const before = this.heads.get(id);
    const saved: TemplateHead = {
      ...head,
      createdAt: before?.createdAt ?? head.updatedAt,
      latestVersion: before?.latestVersion ?? 0,
    };
    this.heads.set(id, saved);
    this.drafts.set(id, structuredClone(draft));
    return saved;
  }
  async list(tenantId: string) {
    return { items: [...this.heads.values()].filter((h) => h.tenantId === tenantId) };
  }
  async publish(version: TemplateVersion) {
    const id = `${this.id(version.tenantId, version.key)}#${version.version}`;
    if (this.versions.has(id)) return false;
    this.versions.set(id, structuredClone(version));
    const head = this.heads.get(this.id(version.tenantId, version.key));
    if (head && head.latestVersion < version.version) head.latestVersion = version.version;
    return true;
  }
  async getVersion(tenantId: string, key: string, n: number) {
    this.versionReads++;
    return this.versions.get(`${this.id(tenantId, key)}#${n}`);
  }
  async listVersions(tenantId: string, key: string) {
    return [...this.versions.values()]
      .filter((v) => v.tenantId === tenantId && v.key === key)
      .sort((a, b) => b.version - a.version)
      .map(({ version, publishedAt, publishedBy, note }) => ({
        version,
        publishedAt,
        publishedBy,
        ...(note !== undefined && { note }),
      }));
  }
  async archive(tenantId: string, key: string, at: string) {
    const head = this.heads.get(this.id(tenantId, key));
    if (!head) return false;
    head.archivedAt ??= at;
    return true;
  }
}
