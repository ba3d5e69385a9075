/** What the style routes need from the style catalog (src/styles). */
export interface StylePage<T> {
  items: T[];
  nextToken?: string;
}

export interface StyleCatalogPort {
  hasStyles(feature: string): boolean;
  listStyleGroups(feature: string, opts: { pageSize: number; startingToken?: string }): { groups: { id: number; info: { title: string } }[]; next_token?: string };
  listStyles(feature: string, groupId: number, opts: { pageSize: number; startingToken?: string }): { styles: { id: number; info: { title: string; thumb: string } }[]; next_token?: string };
}

/** Thrown by the catalog for an unknown group or style. */
export interface StyleLookupError extends Error {
  kind: 'group' | 'style';
}
